using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Intermediate;

namespace PipelineImage.Building;

/// <summary>
/// A build whose engine went away in the middle of it (PIMG1019). What the engine made for it (a step's container, the
/// images of the steps that ran) cannot be removed while the engine is gone, so the build's time is kept beside
/// image.json (<see cref="FileName"/>), and the next build of the project on that engine removes what the engine made
/// in that time and nothing uses (<see cref="IContainerEngine.RemoveLeftoversAsync"/>).
/// </summary>
/// <param name="Engine">The engine's address.</param>
/// <param name="Started">When the build was sent.</param>
/// <param name="Lost">When the engine was found gone.</param>
internal sealed record LostBuild(
    [property: JsonPropertyName("engine")] string Engine,
    [property: JsonPropertyName("started")] DateTimeOffset Started,
    [property: JsonPropertyName("lost")] DateTimeOffset Lost)
{
    public const string FileName = "lost-build.json";

    // The engine's clock and ours may differ by a little.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    /// <summary>Keeps the build for the next one on its engine.</summary>
    public Task KeepAsync(string directory) =>
        AtomicFile.WriteIfChangedAsync(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, BuildingJson.Default.LostBuild) + "\n");

    /// <summary>
    /// Removes what a build kept in <paramref name="directory"/> left on this engine, then forgets it; a build lost on
    /// another engine is kept for that one. A removal the engine refuses is logged and forgotten: it was the best effort.
    /// </summary>
    public static async Task RemoveLeftoversAsync(string directory, IContainerEngine engine, EngineInfo info, BuildLog log, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        LostBuild? lost;
        try
        {
            lost = JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), BuildingJson.Default.LostBuild);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        catch (JsonException)
        {
            lost = null;
        }

        if (lost is not null && lost.Engine != info.Endpoint)
        {
            return;
        }

        if (lost is not null)
        {
            try
            {
                var removed = await engine.RemoveLeftoversAsync(lost.Started - Slack, lost.Lost + Slack, cancellationToken).ConfigureAwait(false);
                log.High($"The engine at {lost.Engine} went away during this project's build at {lost.Lost:u}: removed what that build left on it, "
                    + (removed.Count == 0 ? "nothing" : string.Join(", ", removed)));
            }
            catch (PipelineImageException e)
            {
                log.Normal($"What the build the engine lost at {lost.Lost:u} left on it was not removed: {e.Message}");
            }
        }

        File.Delete(path);
    }
}
