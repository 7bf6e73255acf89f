using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipelineImage.Planning;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>
/// The image's configuration and manifest, computed from the base's and the plan's: deterministic JSON (the base's
/// own fields in its order, ours after), so the same base and layers give the same digests.
/// </summary>
internal static class ImageDocuments
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The image configuration: the base's, with the plan's configuration set and the layers appended.</summary>
    /// <param name="baseConfig">The base image's configuration blob.</param>
    /// <param name="plan">The assembly plan.</param>
    /// <param name="diffIds">The diff_id of each of the plan's layers.</param>
    public static byte[] Config(ReadOnlySpan<byte> baseConfig, AssemblyPlan plan, IReadOnlyList<string> diffIds)
    {
        var root = JsonNode.Parse(Encoding.UTF8.GetString(baseConfig))?.AsObject() ?? throw new JsonException("The base image's configuration is not a JSON object.");
        var created = DateTimeOffset.FromUnixTimeSeconds(plan.Epoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        root["created"] = created;
        var config = root["config"] as JsonObject ?? new JsonObject();
        root["config"] = config;
        var wanted = plan.Config;
        if (wanted.WorkingDir is not null)
        {
            config["WorkingDir"] = wanted.WorkingDir;
        }

        if (wanted.User is not null)
        {
            config["User"] = wanted.User;
        }

        if (wanted.Env.Count > 0)
        {
            var env = (config["Env"] as JsonArray)?.Select(item => item?.GetValue<string>() ?? "").ToList() ?? [];
            foreach (var variable in wanted.Env)
            {
                var value = variable.Expand ? Expand(variable.Value, env) : variable.Value;
                var index = env.FindIndex(item => item.StartsWith(variable.Name + "=", StringComparison.Ordinal));
                if (index >= 0)
                {
                    env[index] = $"{variable.Name}={value}";
                }
                else
                {
                    env.Add($"{variable.Name}={value}");
                }
            }

            config["Env"] = new JsonArray(env.Select(item => (JsonNode)item).ToArray());
        }

        // The content key a requirements base was built with (the engine's label) says nothing of this image.
        (config["Labels"] as JsonObject)?.Remove(Intermediate.ContentKey.Label);
        if (wanted.Labels.Count > 0)
        {
            var labels = config["Labels"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in wanted.Labels)
            {
                labels[key] = value;
            }

            config["Labels"] = Sorted(labels);
        }

        if (wanted.Ports.Count > 0)
        {
            var ports = config["ExposedPorts"] as JsonObject ?? new JsonObject();
            foreach (var port in wanted.Ports)
            {
                ports[port] = new JsonObject();
            }

            config["ExposedPorts"] = Sorted(ports);
        }

        if (wanted.Entrypoint is not null)
        {
            config["Entrypoint"] = Strings(wanted.Entrypoint);
        }

        if (wanted.Cmd is not null)
        {
            config["Cmd"] = wanted.Cmd.Count == 0 ? null : Strings(wanted.Cmd);
        }

        var rootfs = root["rootfs"] as JsonObject ?? new JsonObject { ["type"] = "layers" };
        root["rootfs"] = rootfs;
        var ids = rootfs["diff_ids"] as JsonArray ?? new JsonArray();
        rootfs["diff_ids"] = ids;
        foreach (var id in diffIds)
        {
            ids.Add(id);
        }

        var history = root["history"] as JsonArray ?? new JsonArray();
        root["history"] = history;
        foreach (var layer in plan.Layers)
        {
            history.Add(new JsonObject { ["created"] = created, ["created_by"] = layer.CreatedBy, ["comment"] = "PipelineImage.Tasks" });
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString(Compact));
    }

    /// <summary>The manifest: the base's family of media types, its layers, then ours.</summary>
    public static byte[] Manifest(string mediaType, Descriptor config, IReadOnlyList<Descriptor> layers)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["config"] = Node(config),
            ["layers"] = new JsonArray(layers.Select(layer => (JsonNode)Node(layer)).ToArray()),
        };
        return Encoding.UTF8.GetBytes(manifest.ToJsonString(Compact));
    }

    /// <summary>
    /// An image index over each platform's manifest, in the order given: a Docker manifest list when every manifest is a
    /// Docker one (as docker manifest and buildx make it for those), else an OCI image index.
    /// </summary>
    public static (string MediaType, byte[] Bytes) Index(IReadOnlyList<(Descriptor Manifest, string Os, string Architecture, string? Variant)> images)
    {
        var mediaType = images.All(image => image.Manifest.MediaType == MediaTypes.DockerManifest) ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        var manifests = images.Select(image =>
        {
            var platform = new JsonObject { ["architecture"] = image.Architecture, ["os"] = image.Os };
            if (image.Variant is { Length: > 0 } variant)
            {
                platform["variant"] = variant;
            }

            var node = Node(image.Manifest);
            node["platform"] = platform;
            return (JsonNode)node;
        });
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["manifests"] = new JsonArray(manifests.ToArray()),
        };
        return (mediaType, Encoding.UTF8.GetBytes(index.ToJsonString(Compact)));
    }

    /// <summary>The layer media type for a manifest of this type.</summary>
    public static string LayerType(string manifestType) => manifestType == MediaTypes.OciManifest ? MediaTypes.OciLayer : MediaTypes.DockerLayer;

    /// <summary>The config media type for a manifest of this type.</summary>
    public static string ConfigType(string manifestType) => manifestType == MediaTypes.OciManifest ? MediaTypes.OciConfig : MediaTypes.DockerConfig;

    private static JsonObject Node(Descriptor descriptor) =>
        new() { ["mediaType"] = descriptor.MediaType, ["size"] = descriptor.Size, ["digest"] = descriptor.Digest };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(value => (JsonNode)value).ToArray());

    private static JsonObject Sorted(JsonObject node)
    {
        var pairs = node.Select(pair => (pair.Key, Value: pair.Value?.DeepClone())).OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        var sorted = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            sorted[key] = value;
        }

        return sorted;
    }

    // $NAME and ${NAME} from the variables so far, as the builders expand ENV; an unknown name is empty.
    private static string Expand(string value, List<string> env)
    {
        string Lookup(string name) =>
            env.LastOrDefault(item => item.StartsWith(name + "=", StringComparison.Ordinal)) is { } found ? found[(name.Length + 1)..] : "";

        var text = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] == '$')
            {
                text.Append('$');
                i++;
            }
            else if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '{' && value.IndexOf('}', i) is var close and > 0)
            {
                text.Append(Lookup(value[(i + 2)..close]));
                i = close;
            }
            else if (value[i] == '$' && i + 1 < value.Length && (char.IsAsciiLetter(value[i + 1]) || value[i + 1] == '_'))
            {
                var end = i + 1;
                while (end < value.Length && (char.IsAsciiLetterOrDigit(value[end]) || value[end] == '_'))
                {
                    end++;
                }

                text.Append(Lookup(value[(i + 1)..end]));
                i = end - 1;
            }
            else
            {
                text.Append(value[i]);
            }
        }

        return text.ToString();
    }
}
