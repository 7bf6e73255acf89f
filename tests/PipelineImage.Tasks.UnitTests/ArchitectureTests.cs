using System.Reflection;
using System.Text.RegularExpressions;
using PipelineImage.Planning;

namespace PipelineImage.Tests;

/// <summary>
/// Only the MSBuild glue (namespace PipelineImage.Tasks) may touch Microsoft.Build, and no task is more than 150 lines;
/// the core stays pure and internal (only the tasks MSBuild loads are public); and the folders of the task assembly
/// import each other in no cycle.
/// </summary>
public class ArchitectureTests
{
    private static readonly string Source = RepositoryFiles.Path("src", "PipelineImage.Tasks");

    /// <summary>
    /// A folder uses another when its code (comments and string literals aside) names the other's namespace
    /// (<c>using PipelineImage.X;</c>, <c>PipelineImage.X.</c>) or qualifies a type by it (<c>X.Type</c>); subfolders
    /// count as their folder.
    /// </summary>
    [Fact]
    public void TheFoldersImportEachOtherInNoCycle()
    {
        var folders = Directory.GetDirectories(Source).Select(Path.GetFileName).OfType<string>().Where(name => name is not ("bin" or "obj")).ToHashSet();
        var named = new Regex(@"\bPipelineImage\.(\w+)|(?<![\w.])(\w+)\.[A-Z]");
        var literal = new Regex(@"""(?:[^""\\]|\\.)*""");
        var uses = folders.ToDictionary(folder => folder, folder => Directory.EnumerateFiles(Path.Combine(Source, folder), "*.cs", SearchOption.AllDirectories)
            .SelectMany(File.ReadLines)
            .Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .SelectMany(line => named.Matches(literal.Replace(line, "\"\"")).Select(match => match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value))
            .Where(other => other != folder && folders.Contains(other))
            .ToHashSet());

        var cycles = new List<string>();
        foreach (var start in folders.Order(StringComparer.Ordinal))
        {
            // The shortest way back to the folder, if any.
            var before = new Dictionary<string, string> { [start] = start };
            var queue = new Queue<string>([start]);
            while (queue.TryDequeue(out var folder))
            {
                foreach (var next in uses[folder].Order(StringComparer.Ordinal))
                {
                    if (next == start)
                    {
                        var path = new List<string> { folder };
                        while (path[^1] != start)
                        {
                            path.Add(before[path[^1]]);
                        }

                        path.Reverse();
                        cycles.Add(string.Join(" -> ", path.Append(start)));
                        queue.Clear();
                        break;
                    }

                    if (before.TryAdd(next, folder))
                    {
                        queue.Enqueue(next);
                    }
                }
            }
        }

        Assert.True(cycles.Count == 0, "The folders import each other in cycles:\n" + string.Join("\n", cycles));
    }

    /// <summary>A task only maps its parameters, calls the core and logs: 150 lines at most (its parameters aside).</summary>
    [Fact]
    public void EveryTaskIs150LinesOrFewer()
    {
        var tooLong = Directory.EnumerateFiles(Path.Combine(Source, "Tasks"), "*.cs")
            .Select(path => (Name: Path.GetFileName(path), Lines: File.ReadLines(path).Count()))
            .Where(file => file.Lines > 150)
            .Select(file => $"{file.Name}: {file.Lines} lines");

        Assert.Empty(tooLong);
    }

    [Fact]
    public void OnlyTheTasksNamespaceUsesMsBuildTypes()
    {
        var offenders = typeof(ImagePlanner).Assembly.GetTypes()
            .Where(type => type.Namespace != "PipelineImage.Tasks")
            .Where(type => ReferencedTypes(type).Any(t => t.Namespace?.StartsWith("Microsoft.Build", StringComparison.Ordinal) == true))
            .Select(type => type.FullName)
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void OnlyTheTasksThatMsBuildLoadsArePublic()
    {
        var exported = typeof(ImagePlanner).Assembly.GetExportedTypes();

        Assert.All(exported, type => Assert.Equal("PipelineImage.Tasks", type.Namespace));
        Assert.All(exported.Where(type => !type.IsAbstract), type => Assert.True(typeof(Microsoft.Build.Framework.ITask).IsAssignableFrom(type), type.FullName));
    }

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return new[] { type.BaseType }.Concat(type.GetInterfaces())
            .Concat(type.GetFields(all).Select(f => f.FieldType))
            .Concat(type.GetProperties(all).Select(p => p.PropertyType))
            .Concat(type.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)))
            .OfType<Type>();
    }
}
