using System.Security.Cryptography;
using System.Text;

namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A flat apt repository (<c>deb [trusted=yes] URL ./</c>) of one package built here with dpkg-deb: a script on the
/// PATH. Debian's own mirror holds no package behind credentials; this one sits behind the index's.
/// </summary>
public static class AptRepository
{
    /// <summary>Builds the package and serves it, its Packages and its Release under <c>/apt/</c> of the index.</summary>
    /// <returns>The repository's URL, for a sources.list line.</returns>
    public static async Task<string> ServeAsync(LocalPackageIndex index, string package, string version, string script)
    {
        var work = Directory.CreateTempSubdirectory("pimg-apt-").FullName;
        try
        {
            var root = Path.Combine(work, "root");
            Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
            Directory.CreateDirectory(Path.Combine(root, "usr", "bin"));
            await File.WriteAllTextAsync(Path.Combine(root, "DEBIAN", "control"),
                $"Package: {package}\nVersion: {version}\nArchitecture: all\nMaintainer: PipelineImage tests <tests@invalid>\nDescription: a test package\n");
            var tool = Path.Combine(root, "usr", "bin", package);
            await File.WriteAllTextAsync(tool, script);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(tool, (UnixFileMode)Convert.ToInt32("755", 8));
            }
            var deb = Path.Combine(work, $"{package}_{version}_all.deb");
            var build = await ProcessRunner.RunAsync("dpkg-deb", ["--root-owner-group", "--build", root, deb], work);
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException(build.ToString());
            }

            var bytes = await File.ReadAllBytesAsync(deb);
            var packages = Encoding.UTF8.GetBytes(
                $"Package: {package}\nVersion: {version}\nArchitecture: all\nMaintainer: PipelineImage tests <tests@invalid>\n"
                + $"Filename: ./{Path.GetFileName(deb)}\nSize: {bytes.Length}\nSHA256: {Convert.ToHexStringLower(SHA256.HashData(bytes))}\nDescription: a test package\n\n");
            var release = Encoding.UTF8.GetBytes(
                $"Date: Thu, 01 Jan 2026 00:00:00 UTC\nSHA256:\n {Convert.ToHexStringLower(SHA256.HashData(packages))} {packages.Length} Packages\n");
            index.Serve($"/apt/{Path.GetFileName(deb)}", bytes);
            index.Serve("/apt/Packages", packages);
            index.Serve("/apt/Release", release);
            return index.Root + "apt/";
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
