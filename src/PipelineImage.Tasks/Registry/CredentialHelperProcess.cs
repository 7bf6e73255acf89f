using System.Diagnostics;
using PipelineImage.Diagnostics;

namespace PipelineImage.Registry;

/// <summary>
/// Runs a docker credential helper (<c>docker-credential-&lt;name&gt; get</c>, the server URL on stdin, JSON on
/// stdout), as the docker CLI does. Nothing it prints is logged: its answer holds the secret.
/// </summary>
internal static class CredentialHelperProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What a helper prints on stdout, and only that, when it has no credential for the server
    /// (docker-credential-helpers' <c>credentials.IsErrCredentialsNotFoundMessage</c>, which the docker CLI uses).
    /// </summary>
    public const string NotFoundMessage = "credentials not found in native keychain";

    /// <returns>The helper's JSON answer, or null when it has no credential for the server.</returns>
    /// <exception cref="PipelineImageException">PIMG1010 when it cannot run, times out or fails otherwise.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the helper was ended.</exception>
    public static string? Get(string helper, string serverUrl, CancellationToken cancellationToken)
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
            using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                bound.CancelAfter(Timeout);
                try
                {
                    process.WaitForExitAsync(bound.Token).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new PipelineImageException(DiagnosticCodes.CredentialHelperFailed, helper, $"it did not answer within {Timeout.TotalSeconds:0} s");
                }
            }

            if (process.ExitCode == 0)
            {
                return output.GetAwaiter().GetResult();
            }

            // The protocol's answer for an unknown server, exactly; anything else is a failure worth stopping for.
            _ = error.GetAwaiter().GetResult();
            if (output.GetAwaiter().GetResult().Trim() == NotFoundMessage)
            {
                return null;
            }

            throw new PipelineImageException(DiagnosticCodes.CredentialHelperFailed, helper, $"it exited with code {process.ExitCode}");
        }
    }
}
