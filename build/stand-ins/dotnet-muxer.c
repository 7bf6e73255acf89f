/*
 * A stand-in for the `dotnet` muxer (/usr/share/dotnet/dotnet) of the arm64 .NET stand-in images that
 * build/arm64-stand-ins.sh makes. The real muxer ships only in the SDK and runtime archives, not in any NuGet
 * package, and this machine can fetch neither for arm64; the runtime packs it lays out carry libhostfxr.so, which
 * does all the work the real muxer hands it (`dotnet app.dll`, `dotnet --info`, `--list-runtimes`, ...).
 *
 * What it does is what the real muxer does in muxer mode (dotnet/runtime, src/native/corehost/corehost.cpp,
 * exe_start): find hostfxr in <root>/host/fxr/<highest version>/libhostfxr.so, load it, and call
 *     int hostfxr_main_startupinfo(const int argc, const char *argv[], const char *host_path,
 *                                  const char *dotnet_root, const char *app_path);
 * (the signature of hostfxr.h in the Microsoft.NETCore.App.Host.<rid> packs) with
 *     host_path   = <root>/dotnet      (where the muxer lives; /usr/bin/dotnet is a link to it)
 *     dotnet_root = <root>
 *     app_path    = <root>/dotnet.dll  (what the real muxer passes: its own name + ".dll"; unused in muxer mode)
 * What differs from the real one: <root> is fixed at compile time (DOTNET_ROOT_DIR, default /usr/share/dotnet)
 * rather than taken from the executable's own location, the error writer is not redirected (hostfxr's default writes
 * to stderr, as the real muxer ends up doing), and the version order is major.minor.patch with any release above its
 * prereleases (prereleases compared as strings), which is enough for the one version these images hold.
 *
 * Build: gcc -O2 -Wall -o dotnet dotnet-muxer.c -ldl   (aarch64-linux-gnu-gcc for arm64)
 * Optional: -DDOTNET_ROOT_DIR='"/opt/dotnet"', or -DHOSTFXR_PATH='"/.../libhostfxr.so"' to skip the search.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DOTNET_ROOT_DIR
#define DOTNET_ROOT_DIR "/usr/share/dotnet"
#endif

typedef int (*hostfxr_main_startupinfo_fn)(const int argc, const char *argv[], const char *host_path,
                                           const char *dotnet_root, const char *app_path);

/* Splits "10.0.12-preview.1" into numbers and the prerelease part; returns 0 if it is no version. */
static int parse_version(const char *s, unsigned long v[3], const char **pre)
{
    char *end;
    for (int i = 0; i < 3; i++) {
        if (*s < '0' || *s > '9')
            return 0;
        v[i] = strtoul(s, &end, 10);
        s = end;
        if (i < 2) {
            if (*s != '.')
                return 0;
            s++;
        }
    }
    if (*s != '\0' && *s != '-' && *s != '+')
        return 0;
    *pre = (*s == '-') ? s + 1 : NULL;
    return 1;
}

/* <0, 0, >0 as a is lower than, equal to or higher than b (both parsed by parse_version). */
static int compare_versions(const char *a, const char *b)
{
    unsigned long va[3], vb[3];
    const char *pa, *pb;
    parse_version(a, va, &pa);
    parse_version(b, vb, &pb);
    for (int i = 0; i < 3; i++)
        if (va[i] != vb[i])
            return va[i] < vb[i] ? -1 : 1;
    if (!pa || !pb)
        return (pa ? -1 : 0) + (pb ? 1 : 0); /* a release is above its prereleases */
    return strcmp(pa, pb);
}

/* Writes <root>/host/fxr/<highest version holding libhostfxr.so>/libhostfxr.so to path; 0 if there is none. */
static int find_hostfxr(char *path, size_t size)
{
#ifdef HOSTFXR_PATH
    snprintf(path, size, "%s", HOSTFXR_PATH);
    return 1;
#else
    const char *fxr_dir = DOTNET_ROOT_DIR "/host/fxr";
    char best[NAME_MAX + 1] = "";
    DIR *dir = opendir(fxr_dir);
    if (!dir)
        return 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        unsigned long v[3];
        const char *pre;
        char candidate[PATH_MAX];
        if (!parse_version(e->d_name, v, &pre))
            continue;
        snprintf(candidate, sizeof candidate, "%s/%s/libhostfxr.so", fxr_dir, e->d_name);
        if (access(candidate, R_OK) != 0)
            continue;
        if (best[0] == '\0' || compare_versions(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(dir);
    if (best[0] == '\0')
        return 0;
    snprintf(path, size, "%s/%s/libhostfxr.so", fxr_dir, best);
    return 1;
#endif
}

int main(int argc, char *argv[])
{
    char fxr_path[PATH_MAX];
    if (!find_hostfxr(fxr_path, sizeof fxr_path)) {
        fprintf(stderr, "dotnet (stand-in muxer): no libhostfxr.so in %s/host/fxr/<version>/\n", DOTNET_ROOT_DIR);
        return 0x80008083; /* CoreHostLibMissingFailure, as the real muxer exits */
    }
    void *fxr = dlopen(fxr_path, RTLD_NOW | RTLD_LOCAL);
    if (!fxr) {
        fprintf(stderr, "dotnet (stand-in muxer): loading %s failed: %s\n", fxr_path, dlerror());
        return 0x80008082; /* CoreHostLibLoadFailure */
    }
    hostfxr_main_startupinfo_fn main_fn = (hostfxr_main_startupinfo_fn)dlsym(fxr, "hostfxr_main_startupinfo");
    if (!main_fn) {
        fprintf(stderr, "dotnet (stand-in muxer): %s has no hostfxr_main_startupinfo\n", fxr_path);
        return 0x80008084; /* CoreHostEntryPointFailure */
    }
    return main_fn(argc, (const char **)argv, DOTNET_ROOT_DIR "/dotnet", DOTNET_ROOT_DIR,
                   DOTNET_ROOT_DIR "/dotnet.dll");
}
