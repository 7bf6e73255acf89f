using Microsoft.Build.Framework;
using PipelineImage.Diagnostics;
using Task = Microsoft.Build.Utilities.Task;

namespace PipelineImage.Tasks;

/// <summary>
/// What every task of ours shares: <see cref="Execute"/> runs <see cref="ExecuteAsync"/> under a token that
/// MSBuild's cancellation (Ctrl+C) triggers, and a <see cref="PipelineImageException"/> becomes one MSBuild error
/// with its PIMG code.
/// </summary>
public abstract partial class PipelineImageTask : Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    protected PipelineImageTask()
    {
        TaskResources = Strings.Manager;
    }

    public void Cancel() => _cancellation.Cancel();

    // EROFS: .NET gives an IOException the errno as its HResult on Unix.
    private const int ReadOnlyFileSystem = 30;

    public sealed override bool Execute()
    {
        // While the engine builds or pushes, the node may build other projects (dotnet publish -m of a solution):
        // every path the tasks use is absolute, and the environment is the build's.
        var yielded = YieldsToOtherProjects && BuildEngine is IBuildEngine3;
        if (yielded)
        {
            ((IBuildEngine3)BuildEngine).Yield();
        }

        try
        {
            ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (PipelineImageException e)
        {
            LogError(e.ResourceName, e.Arguments);
        }
        catch (PipelineImageProblemsException problems)
        {
            foreach (var e in problems.Problems)
            {
                LogError(e.ResourceName, e.Arguments);
            }
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogMessage(MessageImportance.High, "{0} was canceled.", GetType().Name);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException { HResult: ReadOnlyFileSystem })
        {
            // A directory it may not write (a read-only obj/, another user's), named by the message: not a bug of ours.
            LogError(DiagnosticCodes.AccessDenied, GetType().Name, e.Message);
            Log.LogMessage(MessageImportance.Low, "{0}", e.ToString());
        }
        catch (Exception e)
        {
            // Never MSB4018: whatever escaped the mapping above is still one coded error, with the stack for a report.
            LogError(DiagnosticCodes.UnexpectedFailure, GetType().Name, e.GetType().FullName, e.Message);
            Log.LogMessage(MessageImportance.Low, "{0}", e.ToString());
        }
        finally
        {
            if (yielded)
            {
                ((IBuildEngine3)BuildEngine).Reacquire();
            }
        }

        return !Log.HasLoggedErrors;
    }

    protected abstract System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken);

    /// <summary>Whether the task mostly waits on the engine, so that its node may go on with other projects meanwhile.</summary>
    protected virtual bool YieldsToOtherProjects => false;

    /// <summary>A PIMG error from Strings.resx, with its help link (the guide's error table).</summary>
    protected void LogError(string resourceName, params object?[] arguments)
    {
        var code = Log.ExtractMessageCode(Log.FormatResourceString(resourceName, arguments), out var text);
        Log.LogError(null, code, null, HelpLinks.For(code), null, 0, 0, 0, 0, "{0}", text);
    }

    /// <summary>A PIMG warning from Strings.resx, with its help link.</summary>
    protected void LogWarning(string resourceName, params object?[] arguments)
    {
        var code = Log.ExtractMessageCode(Log.FormatResourceString(resourceName, arguments), out var text);
        Log.LogWarning(null, code, null, HelpLinks.For(code), null, 0, 0, 0, 0, "{0}", text);
    }
}
