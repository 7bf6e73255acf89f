namespace PipelineImage.Engine;

/// <summary>What builds the image on the engine.</summary>
internal enum ImageBuilder
{
    /// <summary>The Engine API's classic builder (<c>POST /build?version=1</c>): every Docker engine has it.</summary>
    Classic,

    /// <summary>BuildKit through the Engine API (<c>POST /build?version=2</c>): Docker 18.09 and later.</summary>
    BuildKit,

    /// <summary>Podman's compatible API, which builds with buildah whatever the request's builder version.</summary>
    Podman,
}
