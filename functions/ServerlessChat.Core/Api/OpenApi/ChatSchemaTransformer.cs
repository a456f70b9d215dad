using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ServerlessChat.Core.Api.OpenApi;

/// <summary>
/// Which fields a generated client must send and may expect. Request records keep every field nullable so a
/// missing one is a validation message naming it; the document instead requires only the fields marked
/// <see cref="RequiredAttribute"/> (API.md's fields without <c>?</c>), as non-null. In answers every field is
/// written, so a field is required unless it can be null.
/// </summary>
internal sealed class ChatSchemaTransformer : IOpenApiSchemaTransformer
{
    private static readonly Lazy<HashSet<Type>> RequestTypes = new(FindRequestTypes);

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // Also where the type is a property of another (context.JsonPropertyInfo set): that copy may be the one
        // that becomes the component.
        if (context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object || schema.Properties is not { Count: > 0 } properties)
        {
            return Task.CompletedTask;
        }

        if (RequestTypes.Value.Contains(context.JsonTypeInfo.Type))
        {
            var required = context.JsonTypeInfo.Properties.Where(IsMarkedRequired).Select(p => p.Name).ToHashSet();
            foreach (var name in properties.Keys.Where(required.Contains).ToList())
            {
                properties[name] = WithoutNull(properties[name]);
            }

            schema.Required = required;
        }
        else
        {
            var nullable = context.JsonTypeInfo.Properties.Where(IsDeclaredNullable).Select(p => p.Name).ToHashSet();
            schema.Required = properties.Where(p => !nullable.Contains(p.Key) && !IsNullable(p.Value)).Select(p => p.Key).ToHashSet();
        }

        return Task.CompletedTask;
    }

    private static bool IsMarkedRequired(JsonPropertyInfo property) =>
        property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true
        || property.AssociatedParameter?.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true;

    // Nullable reference types and Nullable<T>; the schema alone does not show it yet for references, which are
    // wrapped in oneOf-null only when the document is put together.
    private static bool IsDeclaredNullable(JsonPropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || (property.AttributeProvider is System.Reflection.PropertyInfo info
            && new System.Reflection.NullabilityInfoContext().Create(info).ReadState == System.Reflection.NullabilityState.Nullable);

    private static bool IsNullable(IOpenApiSchema schema) =>
        (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        || schema.OneOf?.Any(s => s.Type == JsonSchemaType.Null) == true
        || schema.AnyOf?.Any(s => s.Type == JsonSchemaType.Null) == true;

    private static IOpenApiSchema WithoutNull(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchema { Type: { } type } inline && type.HasFlag(JsonSchemaType.Null))
        {
            inline.Type = type & ~JsonSchemaType.Null;
            return inline;
        }

        var others = schema.OneOf?.Where(s => s.Type != JsonSchemaType.Null).ToList();
        return others is { Count: 1 } && others.Count < schema.OneOf!.Count ? others[0] : schema;
    }

    // The body types of the route table and the types nested in them.
    private static HashSet<Type> FindRequestTypes()
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(ChatApi.Endpoints.Select(ChatEndpointTraits.BodyType).OfType<Type>());
        while (pending.TryPop(out var type))
        {
            if (type.Assembly != typeof(ChatSchemaTransformer).Assembly || !found.Add(type))
            {
                continue;
            }

            foreach (var property in type.GetProperties())
            {
                var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                pending.Push(propertyType);
                foreach (var argument in propertyType.IsGenericType ? propertyType.GetGenericArguments() : [])
                {
                    pending.Push(argument);
                }
            }
        }

        return found;
    }
}
