namespace PipelineImage.Engine;

/// <summary>
/// Follows the JSON messages of <c>POST /images/{name}/push</c>: each layer's state and bytes, the error and the
/// digest. Lines go to the log only when a layer's state changes, not for every progress tick. Podman sends no layer
/// states and no <c>aux</c>, only the status <c>1.0.0: digest: sha256:… size: 1214</c>, which dockerd sends too. On
/// the containerd image store, dockerd sends no <c>aux</c> either, and a layer uploaded between two progress ticks
/// goes from <c>Waiting</c> to <c>Pushed</c> with no size.
/// </summary>
internal sealed partial class PushProgress(Action<string> output)
{
    private readonly Dictionary<string, long> _uploaded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pushed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastStatus = new(StringComparer.Ordinal);

    public string? Error { get; private set; }

    public string? Digest { get; private set; }

    /// <summary>The sizes of the pushed layers, as the engine reported them; null when it did not report one's.</summary>
    public long? BytesUploaded => _pushed.All(_uploaded.ContainsKey) ? _pushed.Sum(layer => _uploaded[layer]) : null;

    public int LayersPushed => _pushed.Count;

    public int LayersPresent => _present.Count;

    /// <summary>Whether the engine said anything about layers (Podman does not).</summary>
    public bool LayersReported => _lastStatus.Keys.Any(layer => layer.Length > 0);

    /// <summary>One line of the answer: a JSON message.</summary>
    /// <exception cref="System.Text.Json.JsonException">The line is not one.</exception>
    public void Report(string line) => Report(EngineMessage.Parse(line));

    public void Report(EngineMessage value)
    {
        if (value.ErrorMessage is { } error)
        {
            Error = error.TrimEnd();
            return;
        }

        if (value.AuxString("Digest") is { } digest)
        {
            Digest = digest;
            return;
        }

        var status = value.Status ?? "";
        var layer = value.Id ?? "";
        if (status.Length == 0)
        {
            return;
        }

        if (layer.Length > 0 && status == "Pushing" && value.ProgressDetail is { } progress && (progress.Total ?? progress.Current) is { } size and > 0)
        {
            _uploaded[layer] = Math.Max(_uploaded.GetValueOrDefault(layer), size);
        }
        else if (layer.Length > 0 && status == "Pushed")
        {
            _pushed.Add(layer);
        }
        else if (layer.Length > 0 && (status.StartsWith("Layer already exists", StringComparison.Ordinal)
                                      || status.StartsWith("Mounted from", StringComparison.Ordinal)))
        {
            _present.Add(layer);
        }

        if (layer.Length == 0 && Digest is null && DigestStatus().Match(status) is { Success: true } match)
        {
            Digest = match.Groups["digest"].Value;
        }

        if (layer.Length == 0 || !_lastStatus.TryGetValue(layer, out var last) || last != status)
        {
            _lastStatus[layer] = status;
            output(layer.Length == 0 ? status : $"{layer}: {status}");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@": digest: (?<digest>sha256:[0-9a-f]{64}) size: [0-9]+\z")]
    private static partial System.Text.RegularExpressions.Regex DigestStatus();
}
