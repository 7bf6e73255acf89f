using System.Collections;
using Microsoft.Build.Framework;
using PipelineImage.OutOfProcess;

namespace PipelineImage.Tool;

/// <summary>
/// An item as the ToolTask sent it: its spec and its metadata, including the well-known metadata (FullPath,
/// DefiningProjectFullPath, ...) that MSBuild computed in its process and a TaskItem here could not.
/// </summary>
internal sealed class RequestItem(ToolItem item) : ITaskItem
{
    private readonly SortedDictionary<string, string> _metadata = new(item.Metadata, StringComparer.OrdinalIgnoreCase);

    public string ItemSpec { get; set; } = item.Spec;

    public ICollection MetadataNames => _metadata.Keys.ToList();

    public int MetadataCount => _metadata.Count;

    public string GetMetadata(string metadataName) =>
        metadataName.Equals("Identity", StringComparison.OrdinalIgnoreCase) ? ItemSpec : _metadata.GetValueOrDefault(metadataName, "");

    public void SetMetadata(string metadataName, string metadataValue) => _metadata[metadataName] = metadataValue;

    public void RemoveMetadata(string metadataName) => _metadata.Remove(metadataName);

    public void CopyMetadataTo(ITaskItem destinationItem)
    {
        foreach (var (name, value) in Custom())
        {
            if (destinationItem.GetMetadata(name).Length == 0)
            {
                destinationItem.SetMetadata(name, value);
            }
        }
    }

    public IDictionary CloneCustomMetadata() => new Hashtable(Custom().ToDictionary(pair => pair.Key, pair => pair.Value), StringComparer.OrdinalIgnoreCase);

    private IEnumerable<KeyValuePair<string, string>> Custom() =>
        _metadata.Where(pair => !ToolItem.WellKnownMetadata.Contains(pair.Key, StringComparer.OrdinalIgnoreCase));
}
