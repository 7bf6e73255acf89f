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

    /// <summary>A parent Dockerfile on the runtime stand-in that writes its GREETING build argument to /etc/pipeline-greeting.</summary>
    public const string GreetingParentDockerfile = """
        FROM mcr.microsoft.com/dotnet/runtime:10.0
        ARG GREETING
        USER root
        RUN echo "$GREETING from the parent" > /etc/pipeline-greeting
        """;
}
