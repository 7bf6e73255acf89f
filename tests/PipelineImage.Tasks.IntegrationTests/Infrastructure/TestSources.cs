namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>Test apps and files that several end-to-end tests share.</summary>
public static class TestSources
{
    /// <summary>
    /// A pipeline step that shells out to OS tools and Python, as steps do: <paramref name="body"/> (top-level
    /// statements) can call <c>Run(file, arguments...)</c>, which returns the command's trimmed output.
    /// </summary>
    public static string ShellingOutProgram(string body) => """
        using System.Diagnostics;

        static string Run(string file, params string[] arguments)
        {
            var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return output;
        }

        """ + body;

    /// <summary>
    /// The property of a parent Dockerfile that is the runtime stand-in with a label, in docker/ (its context, apart from
    /// the project's files): with it the engine's builder builds the whole Dockerfile, where our assembler makes every
    /// other image. (Without the label, buildah's parent would be the stand-in itself under another tag, and the test's
    /// forced removal of that tag would take the stand-in.)
    /// </summary>
    public const string BaseOnlyParent = "<PipelineImageParentDockerfile>docker/Parent.Dockerfile</PipelineImageParentDockerfile>";

    /// <summary>Writes <see cref="BaseOnlyParent"/>'s Dockerfile into the project's directory.</summary>
    public static async Task WriteBaseOnlyParentAsync(string projectDirectory)
    {
        Directory.CreateDirectory(Path.Combine(projectDirectory, "docker"));
        await File.WriteAllTextAsync(Path.Combine(projectDirectory, "docker", "Parent.Dockerfile"), "FROM mcr.microsoft.com/dotnet/runtime:10.0\nLABEL org.pipelineimage.test.parent=base\n");
    }

    /// <summary>A parent Dockerfile on the runtime stand-in that writes its GREETING build argument to /etc/pipeline-greeting.</summary>
    public const string GreetingParentDockerfile = """
        FROM mcr.microsoft.com/dotnet/runtime:10.0
        ARG GREETING
        USER root
        RUN echo "$GREETING from the parent" > /etc/pipeline-greeting
        """;
}
