using System.Formats.Tar;
using PipelineImage.Context;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// Our choice of files for a context against the real docker CLI's: for generated trees and ignore files, the
/// files the walker sends equal the files that `docker build` (classic builder) puts into an image with
/// <c>FROM scratch</c> + <c>COPY . /ctx/</c>. It runs in a lane of its own, beside the others, on Docker 26 on the
/// graph-driver store, so that its 600 builds do not slow the default engine.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class DockerIgnoreDifferentialTests
{
    private static readonly EngineUnderTest Engine = EngineUnderTest.DockerGraphDriver;

    private const int Cases = 200;

    private static readonly string[] Names = ["a", "b", "dir", "sub", "x.txt", "a.txt", "y.md", ".hidden", "b.cs", "c d"];

    private static readonly string[] Patterns =
    [
        "*", "a", "*.txt", "**/*.txt", "dir", "dir/*", "**/sub", "/b", "a/**", "?.md", "[ab]", "[a-c].txt", "sub/",
        "**", ".hidden", "*/a", "dir/**/x.txt", "./a/../dir", "  b.cs  ", "c?d", "**/c d", "#comment", "", "a*",
        "!a.txt", "!**/x.txt", "!dir/x.txt", "!*/a.txt", "!dir", "!sub/y.md", "!**/sub/**", "!.hidden", "!a/b.cs",
    ];

    [ModernEngineFact]
    public async Task WalkerSendsWhatTheDockerCliSendsOnGeneratedCases()
    {
        var random = new Random(20261123);
        var cases = Enumerable.Range(0, Cases).Select(i => (Index: i, Tree: RandomTree(random), Ignore: RandomIgnore(random))).ToList();
        var mismatches = new List<string>();
        var compared = 0;

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (c, _) =>
        {
            var root = Directory.CreateTempSubdirectory("pimg-diff-").FullName;
            try
            {
                foreach (var path in c.Tree)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, path))!);
                    if (path.EndsWith('/'))
                    {
                        Directory.CreateDirectory(Path.Combine(root, path));
                    }
                    else
                    {
                        await File.WriteAllTextAsync(Path.Combine(root, path), path);
                    }
                }

                await File.WriteAllTextAsync(Path.Combine(root, ".dockerignore"), c.Ignore);
                await File.WriteAllTextAsync(Path.Combine(root, "Dockerfile"), "FROM scratch\nCOPY . /ctx/\n");

                var ours = Ours(root, c.Ignore);
                var docker = await DockerCliAsync(root, $"pimg-diff-{c.Index}");
                lock (mismatches)
                {
                    compared++;
                    if (!ours.SetEquals(docker))
                    {
                        mismatches.Add($"case {c.Index}: ignore [{c.Ignore.Replace("\n", " | ")}] tree [{string.Join(", ", c.Tree)}]\n" +
                                       $"  only ours: [{string.Join(", ", ours.Except(docker))}] only docker: [{string.Join(", ", docker.Except(ours))}]");
                    }
                }
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });

        Assert.Equal(Cases, compared);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {Cases} cases differ:\n{string.Join("\n", mismatches.Take(10))}");
    }

    // The walker, with what the docker CLI adds to the rules: it always sends .dockerignore and the Dockerfile.
    private static HashSet<string> Ours(string root, string ignore)
    {
        var patterns = DockerIgnore.Parse(ignore).ToList();
        var matcher = new DockerIgnoreMatcher(patterns);
        var extra = new List<string>();
        if (matcher.Evaluate(".dockerignore").IsExcluded)
        {
            extra.Add("!.dockerignore");
        }

        if (matcher.Evaluate("Dockerfile").IsExcluded)
        {
            extra.Add("!Dockerfile");
        }

        if (extra.Count > 0)
        {
            matcher = new DockerIgnoreMatcher(patterns.Concat(DockerIgnore.Parse(string.Join('\n', extra))));
        }

        return ContextWalker.Walk(root, matcher, [])
            .Where(e => e.Kind != ContextEntryKind.Directory)
            .Select(e => e.ContextPath)
            .Where(p => p is not ".dockerignore" and not "Dockerfile")
            .ToHashSet();
    }

    private static async Task<HashSet<string>> DockerCliAsync(string root, string name)
    {
        var environment = new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "0", ["DOCKER_HOST"] = Engine.Socket };
        // --no-cache: the classic builder's cache probe lists every image with the same parent and fails when another
        // case's clean-up removes one of them meanwhile; without it each case gets an image of its own, too.
        var build = await ProcessRunner.RunAsync("docker", ["build", "-q", "--no-cache", "-t", name, root], root, environment);
        Assert.True(build.ExitCode == 0, build.ToString());
        try
        {
            var create = await Engine.Cli.RunAsync("create", "--name", name, name, "/none");
            Assert.True(create.ExitCode == 0, create.ToString());
            var tar = Path.Combine(root, "..", name + ".tar");
            try
            {
                var export = await Engine.Cli.RunAsync("export", "-o", tar, name);
                Assert.True(export.ExitCode == 0, export.ToString());
                var files = new HashSet<string>();
                await using (var stream = File.OpenRead(tar))
                await using (var reader = new TarReader(stream))
                {
                    while (await reader.GetNextEntryAsync() is { } entry)
                    {
                        if (entry.Name.StartsWith("ctx/", StringComparison.Ordinal)
                            && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.SymbolicLink)
                        {
                            files.Add(entry.Name["ctx/".Length..]);
                        }
                    }
                }

                files.Remove(".dockerignore");
                files.Remove("Dockerfile");
                return files;
            }
            finally
            {
                File.Delete(tar);
            }
        }
        finally
        {
            await Engine.Cli.RunAsync("rm", "--force", name);
            await Engine.Cli.RunAsync("image", "rm", "--force", name);
        }
    }

    private static List<string> RandomTree(Random random)
    {
        var paths = new List<string>();
        void Fill(string prefix, int depth)
        {
            foreach (var name in Names.OrderBy(_ => random.Next()).Take(random.Next(1, 5)))
            {
                if (depth < 3 && random.Next(3) == 0)
                {
                    if (random.Next(6) == 0)
                    {
                        paths.Add(prefix + name + "/"); // an empty directory
                    }
                    else
                    {
                        Fill(prefix + name + "/", depth + 1);
                    }
                }
                else
                {
                    paths.Add(prefix + name);
                }
            }
        }

        Fill("", 0);
        return paths.Distinct().Where(p => !paths.Any(q => q != p && q.StartsWith(p.TrimEnd('/') + "/", StringComparison.Ordinal) && !p.EndsWith('/')))
            .Where(p => !paths.Any(q => q != p && p.StartsWith(q, StringComparison.Ordinal) && !q.EndsWith('/') && p[q.Length] == '/'))
            .ToList();
    }

    private static string RandomIgnore(Random random) =>
        string.Join('\n', Enumerable.Range(0, random.Next(1, 5)).Select(_ => Patterns[random.Next(Patterns.Length)]));
}
