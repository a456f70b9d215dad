using ServerlessChat.Core;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Api.OpenApi;
using ServerlessChat.Core.Http;
using ServerlessChat.Standalone;
using ServerlessChat.Standalone.Assistant;
using ServerlessChat.Standalone.LocalSignalRService;
using ServerlessChat.Standalone.Realtime;

var builder = WebApplication.CreateBuilder(args);

builder.AddChatCore();
builder.AddStandaloneRealtime();
builder.AddLocalSignalRService();
builder.AddStandaloneAssistant();
builder.AddStandaloneTelemetry();
builder.Services.AddProblemDetails();
builder.Services.AddChatOpenApi();

var app = builder.Build();

app.UseHttpLogging();
app.UseChatErrors();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseWebSockets();

app.MapOpenApi("/api/{documentName}.json");
app.MapChatApi();
app.MapStandaloneRealtime();
app.MapLocalSignalRService();

app.Run();

// The tests start this host as a process; the type is public so they can locate its assembly.
public partial class Program;
