using System.Diagnostics;
using System.Text;

namespace PipelineImage.IntegrationTests.Infrastructure;

/// <param name="AfterInterrupt">How long the process took to exit after its SIGINT, when it was sent one.</param>
public sealed record ProcessResult(int ExitCode, string Output, TimeSpan? AfterInterrupt = null)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>Runs a child process to completion, capturing stdout and stderr interleaved.</summary>
public static class ProcessRunner
{
    /// <summary>Whether a process of this machine has a command line that matches the pattern (<c>pgrep -f</c>).</summary>
    public static async Task<bool> IsRunningAsync(string pattern) =>
        (await RunAsync("pgrep", ["-f", pattern], Path.GetTempPath())).ExitCode == 0;

    /// <summary>
    /// Whether the step's <c>sleep</c> (its command line <c>sleep &lt;seconds&gt;</c>) is gone within 10 s: the seconds a
    /// builder takes to kill a step once its build was cancelled.
    /// </summary>
    public static async Task<bool> StepEndsAsync(int seconds)
    {
        for (var wait = 0; wait < 20 && await IsRunningAsync($"^sleep {seconds}$"); wait++)
        {
            await Task.Delay(500);
        }

        return !await IsRunningAsync($"^sleep {seconds}$");
    }

    // Variables the test host's own MSBuild and test platform set; a child `dotnet` must start clean.
    private static readonly string[] InheritedPrefixes = ["MSBUILD", "MSBuild", "DOTNET_HOST_PATH", "VSTEST", "TESTINGPLATFORM", "NUGET_PACKAGES"];

    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? interruptAt = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => InheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        Stopwatch? sinceInterrupt = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                    // Ctrl+C as a terminal sends it, once the line that says the moment has come is out.
                    if (interruptAt is not null && sinceInterrupt is null && e.Data.Contains(interruptAt, StringComparison.Ordinal))
                    {
                        sinceInterrupt = Stopwatch.StartNew();
                        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                        kill.WaitForExit();
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time:\n{output}");
        }

        process.WaitForExit(); // drains the output events
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString(), sinceInterrupt?.Elapsed);
        }
    }
}
