/* gRPC, what a new project would pick instead of ONC RPC, on the cases of bench_null and
 * bench_load: an empty unary call, synchronous on one channel; 64 calls in flight on one
 * channel (completion queue); 16 client threads, each with a channel of its own; a 64 KiB
 * bytes argument. The server is gRPC's synchronous server, in a thread of this process, as the
 * onc and libtirpc servers are in theirs. bench/summary.py sets the figures beside onc's.
 * bench_grpc [--seconds S] [--json FILE]
 * bench_grpc --serve: only the server, for python/bench_python.py's grpcio clients: prints
 * "port N" and serves until killed. */
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "bench.grpc.pb.h"

extern "C" {
#include "bench_common.h"
}

namespace {

using onc_bench::Bench;
using onc_bench::Blob;
using onc_bench::Empty;
using onc_bench::Size;

constexpr int window = 64;       /* as BENCH_WINDOW */
constexpr unsigned threads = 16; /* as bench_load */
constexpr size_t bulk_bytes = 65536;

class Service final : public Bench::Service {
	grpc::Status Null(grpc::ServerContext *, const Empty *, Empty *) override
	{
		return grpc::Status::OK;
	}
	grpc::Status Put(grpc::ServerContext *, const Blob *in, Size *out) override
	{
		out->set_length(static_cast<uint32_t>(in->data().size()));
		return grpc::Status::OK;
	}
};

/* A channel of its own: without a local subchannel pool, channels to one address share one
 * TCP connection, and 16 threads would not have a connection each. */
std::unique_ptr<Bench::Stub> open_stub(const std::string &target)
{
	grpc::ChannelArguments args;
	args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
	auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
	if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5)))
		bench_die("grpc connect");
	return Bench::NewStub(channel);
}

int sync_null(void *ctx, double *)
{
	grpc::ClientContext c;
	Empty req, resp;
	return static_cast<Bench::Stub *>(ctx)->Null(&c, req, &resp).ok() ? 0 : -1;
}

struct Bulk {
	std::unique_ptr<Bench::Stub> stub;
	Blob blob;
};

int sync_put(void *ctx, double *)
{
	auto *b = static_cast<Bulk *>(ctx);
	grpc::ClientContext c;
	Size resp;
	return b->stub->Put(&c, b->blob, &resp).ok() && resp.length() == bulk_bytes ? 0 : -1;
}

/* 64 calls in flight on one channel: each step takes the next completion and starts one more
 * call in its place, so a "call" of the run is one completion (as bench_window.h). */
struct Window {
	struct Slot {
		std::unique_ptr<grpc::ClientContext> ctx;
		Empty resp;
		grpc::Status status;
		std::unique_ptr<grpc::ClientAsyncResponseReader<Empty>> rpc;
		double started;
	};
	std::unique_ptr<Bench::Stub> stub;
	grpc::CompletionQueue cq;
	Empty req;
	Slot slots[window];
	bool running = false;

	void start(Slot *s)
	{
		s->ctx = std::make_unique<grpc::ClientContext>();
		s->started = bench_now();
		s->rpc = stub->AsyncNull(s->ctx.get(), req, &cq);
		s->rpc->Finish(&s->resp, &s->status, s);
	}
};

int window_step(void *ctx, double *started)
{
	auto *w = static_cast<Window *>(ctx);
	if (!w->running) {
		for (auto &s : w->slots)
			w->start(&s);
		w->running = true;
	}
	void *tag;
	bool ok;
	if (!w->cq.Next(&tag, &ok) || !ok)
		return -1;
	auto *s = static_cast<Window::Slot *>(tag);
	*started = s->started;
	if (!s->status.ok())
		return -1;
	w->start(s);
	return 0;
}

std::string target_of;

void *thread_open(void *)
{
	return open_stub(target_of).release();
}

void thread_close(void *stub)
{
	delete static_cast<Bench::Stub *>(stub);
}

} // namespace

int main(int argc, char **argv)
{
	const char *json = bench_args(argc, argv);
	Service service;
	int port = 0;
	grpc::ServerBuilder builder;
	builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
	builder.RegisterService(&service);
	std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
	if (!server || port == 0)
		bench_die("grpc server");
	target_of = "127.0.0.1:" + std::to_string(port);
	if (argc == 2 && strcmp(argv[1], "--serve") == 0) {
		printf("port %d\n", port);
		fflush(stdout);
		server->Wait();
		return 0;
	}

	auto sync = open_stub(target_of);
	Window w;
	w.stub = open_stub(target_of);
	Bulk bulk{open_stub(target_of), Blob()};
	bulk.blob.set_data(std::string(bulk_bytes, 'x'));

	/* Rounds alternate between the cases; each keeps its best round (as bench_null). */
	bench_result best[4] = {};
	for (int round = 0; round < 3; round++) {
		bench_keep_best(&best[0], bench_run(sync_null, sync.get()));
		bench_keep_best(&best[1], bench_run(window_step, &w));
		bench_keep_best(&best[2], bench_run_threads(threads, thread_open, sync_null,
							    thread_close, nullptr));
		bench_keep_best(&best[3], bench_run(sync_put, &bulk));
	}
	/* The calls still in flight finish before the server stops. */
	for (int i = 0; i < window; i++) {
		void *tag;
		bool ok;
		w.cq.Next(&tag, &ok);
	}

	const char *names[] = {"unary null, sync, 1 channel", "unary null, 64 in flight",
			       "unary null, 16 threads", "64 KiB bytes argument"};
	const char *keys[] = {"sync", "async_64_in_flight", "threads16", "bulk64k"};
	printf("\ngRPC %s, loopback TCP (best of 3 rounds of %.1f s)\n", grpc::Version().c_str(),
	       bench_seconds);
	printf("%-30s %12s %10s %10s\n", "", "calls/s", "p50 us", "p99 us");
	for (int i = 0; i < 4; i++)
		printf("%-30s %12.0f %10.1f %10.1f\n", names[i], best[i].rate, best[i].p50_us,
		       best[i].p99_us);
	printf("  (64 KiB argument: %.0f MB/s)\n", best[3].rate * bulk_bytes / 1e6);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f)
			bench_die(json);
		fprintf(f, "{\n  \"benchmark\": \"grpc\",\n  \"version\": \"%s\",\n  \"seconds\": %.1f",
			grpc::Version().c_str(), bench_seconds);
		for (int i = 0; i < 4; i++) {
			fprintf(f, ",\n  ");
			bench_json_result(f, keys[i], best[i]);
		}
		fprintf(f, ",\n  \"bulk64k_mb_per_s\": %.0f\n}\n", best[3].rate * bulk_bytes / 1e6);
		fclose(f);
	}
	server->Shutdown();
	return 0;
}
