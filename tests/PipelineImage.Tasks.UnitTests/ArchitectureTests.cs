using System.Reflection;
using PipelineImage.Planning;

namespace PipelineImage.Tests;

/// <summary>Only the MSBuild glue (namespace PipelineImage.Tasks) may touch Microsoft.Build; the core stays pure.</summary>
public class ArchitectureTests
{
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
