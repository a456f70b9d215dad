using ServerlessChat.Core;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Api.OpenApi;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Events;
using ServerlessChat.Core.Http;
using ServerlessChat.Standalone;
using ServerlessChat.Standalone.Account;
using ServerlessChat.Standalone.Assistant;
using ServerlessChat.Standalone.Attachments;
using ServerlessChat.Standalone.Auth;
using ServerlessChat.Standalone.Limits;
using ServerlessChat.Standalone.Links;
using ServerlessChat.Standalone.Push;
using ServerlessChat.Standalone.LocalSignalRService;
using ServerlessChat.Standalone.Realtime;

// Before anything rents from the shared array pool: the runtime reads the setting on first use.
FanOutBufferPool.Configure();
var builder = WebApplication.CreateBuilder(args);

builder.AddChatCore();
builder.AddHostLimits();
builder.AddStandaloneRealtime();
builder.AddLocalSignalRService();
builder.AddStandaloneAssistant();
builder.AddStandalonePush();
builder.AddStandaloneLinks();
builder.AddStandaloneTelemetry();
builder.AddStandaloneAttachments();
builder.AddStandalonePasswordReset();
builder.AddStandaloneAccount();
builder.AddEventDispatchService();
builder.Services.AddProblemDetails();
builder.Services.AddChatOpenApi();

var app = builder.Build();

app.UseHostLimits();
app.UseHttpLogging();
app.UseChatErrors();
app.UseStatusCodePages();
app.UseWebClientSecurityHeaders();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseWebSockets();

app.MapOpenApi("/api/{documentName}.json");
app.MapChatApi();
app.MapFileSystemBlobs();
app.MapStandaloneRealtime();
app.MapLocalSignalRService();

app.Run();

// The tests start this host as a process; the type is public so they can locate its assembly.
public partial class Program;
