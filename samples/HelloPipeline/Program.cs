// A pipeline step: an orchestrator runs the image, optionally telling the step which one it is through PIPELINE_STEP.
var step = Environment.GetEnvironmentVariable("PIPELINE_STEP");
Console.WriteLine($"HelloPipeline ran on .NET {Environment.Version} as user '{Environment.UserName}'"
    + (string.IsNullOrEmpty(step) ? "" : $", step '{step}'"));
