namespace PipelineImage.Tasks;

// The parameters of every task that talks to the engine, in process and in the ToolTask.
public abstract partial class EngineTask
{
    /// <summary>PipelineImageDockerHost: the engine address, taking precedence over DOCKER_HOST.</summary>
    public string DockerHost { get; set; } = "";
}
