namespace PipelineImage.Diagnostics;

/// <summary>
/// A failure the user can act on. It carries the name of a <c>Strings.resx</c> entry (whose value starts with its
/// PIMG code) and the arguments to format it with, so the MSBuild tasks can log it with its code and nothing else
/// decides how it reads.
/// </summary>
internal class PipelineImageException : Exception
{
    public PipelineImageException(string resourceName, params object[] arguments)
        : this(null, resourceName, arguments)
    {
    }

    public PipelineImageException(Exception? inner, string resourceName, params object[] arguments)
        : base(Strings.Format(resourceName, arguments), inner)
    {
        ResourceName = resourceName;
        Arguments = arguments;
    }

    /// <summary>The <c>Strings.resx</c> entry, one of the <see cref="DiagnosticCodes"/> constants.</summary>
    public string ResourceName { get; }

    public object[] Arguments { get; }
}
