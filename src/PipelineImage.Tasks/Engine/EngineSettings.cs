using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>Reads what the docker CLI reads to find the engine and credentials: environment variables and config.json.</summary>
internal static class EngineSettings
{
    public static (EngineConnection Connection, DockerConfig Config) Resolve(string dockerHostProperty)
    {
        var directory = DockerConfig.Directory(Environment.GetEnvironmentVariable("DOCKER_CONFIG"),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        var path = Path.Combine(directory, "config.json");
        var config = File.Exists(path) ? DockerConfig.Parse(File.ReadAllText(path), path) : DockerConfig.Empty;
        var environment = new EngineEnvironment(
            Environment.GetEnvironmentVariable("DOCKER_HOST"),
            Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY"),
            Environment.GetEnvironmentVariable("DOCKER_TLS"),
            Environment.GetEnvironmentVariable("DOCKER_CERT_PATH"),
            Environment.GetEnvironmentVariable("DOCKER_CONTEXT"),
            directory,
            config.CurrentContext,
            Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"),
            OperatingSystem.IsWindows());
        var connection = EngineEndpoint.Resolve(dockerHostProperty, environment, file => File.Exists(file) ? File.ReadAllText(file) : null, File.Exists);
        return (connection, config);
    }
}
