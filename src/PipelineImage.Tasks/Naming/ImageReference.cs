namespace PipelineImage.Naming;

/// <summary>A repository name with one tag: what the engine tags and a user runs.</summary>
public readonly record struct ImageReference(string Name, string Tag)
{
    public override string ToString() => $"{Name}:{Tag}";
}
