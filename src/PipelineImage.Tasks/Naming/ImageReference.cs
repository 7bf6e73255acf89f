namespace PipelineImage.Naming;

/// <summary>A repository name with one tag: what the engine tags and a user runs.</summary>
internal readonly record struct ImageReference(string Name, string Tag)
{
    public override string ToString() => $"{Name}:{Tag}";
}

/// <summary>
/// Any reference as a user writes it, <c>name[:tag][@digest]</c>, split into its parts (and not validated: see
/// <see cref="ImageName.ValidateReference"/>). The one place where a reference string is taken apart.
/// </summary>
/// <param name="Name">The repository name, registry host (and port) included.</param>
/// <param name="Tag">The tag after <c>:</c>; null when there is none (empty after a trailing colon).</param>
/// <param name="Digest">The digest after <c>@</c>; null when there is none.</param>
internal readonly record struct ReferenceParts(string Name, string? Tag, string? Digest)
{
    public static ReferenceParts Split(string reference)
    {
        var at = reference.IndexOf('@');
        var digest = at >= 0 ? reference[(at + 1)..] : null;
        var rest = at >= 0 ? reference[..at] : reference;
        var colon = rest.LastIndexOf(':');
        return colon > rest.LastIndexOf('/') ? new(rest[..colon], rest[(colon + 1)..], digest) : new(rest, null, digest);
    }
}
