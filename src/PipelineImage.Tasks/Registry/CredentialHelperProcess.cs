using System.Diagnostics;
using PipelineImage.Diagnostics;

namespace PipelineImage.Registry;

/// <summary>
/// Runs a docker credential helper (<c>docker-credential-&lt;name&gt; get</c>, the server URL on stdin, JSON on
/// stdout), as the docker CLI does. Nothing it prints is logged: its answer holds the secret.
/// </summary>
public static class CredentialHelperProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <returns>The helper's JSON answer, or null when it has no credential for the server.</returns>
    /// <exception cref="PipelineImageException">PIMG1010 when it cannot run, times out or fails otherwise.</exception>
    public static string? Get(string helper, string serverUrl)
    {
        var start = new ProcessStartInfo($"docker-credential-{helper}", "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new PipelineImageException(e, DiagnosticCodes.CredentialHelperFailed, helper, "it cannot be started (is it on PATH?)");
        }

        using (process)
        {
            process.StandardInput.Write(serverUrl);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new PipelineImageException(DiagnosticCodes.CredentialHelperFailed, helper, $"it did not answer within {Timeout.TotalSeconds:0} s");
            }

            if (process.ExitCode == 0)
            {
                return output.GetAwaiter().GetResult();
            }

            // The protocol's answer for an unknown server; anything else is a failure worth stopping for.
            var message = error.GetAwaiter().GetResult().Trim();
            if (message.Contains("not found", StringComparison.OrdinalIgnoreCase) || output.GetAwaiter().GetResult().Contains("not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            throw new PipelineImageException(DiagnosticCodes.CredentialHelperFailed, helper, $"it exited with code {process.ExitCode}");
        }
    }
}
