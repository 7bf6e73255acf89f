namespace PipelineImage.Engine;

/// <summary>Output that arrives in chunks, as whole lines: what follows the last line end waits for the next chunk.</summary>
internal sealed class LineBuffer
{
    private string _partial = "";

    /// <summary>The lines the chunk completes.</summary>
    public string[] Add(string chunk)
    {
        var lines = (_partial + chunk).Split('\n');
        _partial = lines[^1];
        return lines[..^1];
    }

    /// <summary>What came after the last line end, once the output ended; null when nothing did.</summary>
    public string? Flush()
    {
        var rest = _partial;
        _partial = "";
        return rest.Length > 0 ? rest : null;
    }
}
