using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core;
using ServerlessChat.Core.Account;
using ServerlessChat.Core.Assistant;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Links;
using ServerlessChat.Core.Push;
using ServerlessChat.Core.Storage;
using ServerlessChat.Functions;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();
// Azure's front end appends the caller's address to X-Forwarded-For, so the last entry is trustworthy here.
// Registered before Core binds the section, so a RateLimiting:TrustForwardedFor setting still wins.
builder.Services.Configure<RateLimitingOptions>(options => options.TrustForwardedFor = true);
// The worker's content root is the deployed package (read-only in Azure; under func start a new folder there
// recycles the worker): relative data paths resolve under Storage:DataRoot or the per-machine default instead.
builder.KeepDataOutsideTheApp();
builder.AddChatCore();
builder.AddAzureSignalRRealtime();
builder.AddStorageAssistantQueue();
builder.AddStoragePushQueue();
builder.AddStorageLinkPreviewQueue();
builder.AddFunctionsTelemetry();
builder.AddStorageAttachmentQueue();
builder.AddStoragePasswordResetQueue();
builder.AddStorageAccountJobQueue();
// Every queue a QueueTrigger above drains exists before the host polls it.
builder.CreateWebJobsQueuesAtStart();

builder.Build().Run();
