/*
 * The transport against a small HTTP server forked on 127.0.0.1: statuses and bodies, the
 * headers piam reads and sends, kept-alive connections, the reply cap, timeouts and failures.
 * Also the transport settings and hooks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <time.h>

#include "check.h"
#include "http.h"
#include "request.h"
#include "sigv4.h"
#include "testalloc.h"

CHECK_MAIN;

#define BIG (PIAM__HTTP_MAX_BODY + 1)

/* Where /flaky/NAME remembers that it already failed once (made in main). */
static char flaky_dir[64] = "/tmp/piam-test-http-XXXXXX";

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void reply(int fd, const char *status, const char *extra, const char *body, size_t len)
{
	char head[512];

	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Length: %zu\r\n%s\r\n",
		 status, len, extra);
	write_all(fd, head, strlen(head));
	write_all(fd, body, len);
}

/* Serve requests on one connection until the client closes it. */
static void serve(int fd, int connections)
{
	static char req[65536];
	size_t have = 0;

	for (;;) {
		char *end, *cl, path[256] = "";
		size_t head, body = 0;
		ssize_t r;

		while (!(end = have ? strstr(req, "\r\n\r\n") : NULL)) {
			if (have >= sizeof(req) - 1 || (r = read(fd, req + have, sizeof(req) - 1 - have)) <= 0)
				return;
			have += (size_t)r;
			req[have] = '\0';
			if (req[0] == 0x16) { /* a TLS handshake: answer in plain HTTP, as a misconfigured server would */
				write_all(fd, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
				return;
			}
		}
		head = (size_t)(end - req) + 4;
		if ((cl = strstr(req, "Content-Length: ")) && cl < end)
			body = (size_t)strtoul(cl + 16, NULL, 10);
		while (have < head + body) {
			if ((r = read(fd, req + have, sizeof(req) - 1 - have)) <= 0)
				return;
			have += (size_t)r;
			req[have] = '\0';
		}
		sscanf(req, "%*s %255s", path);
		if (strcmp(path, "/echo") == 0) {
			reply(fd, "200 OK", "x-amzn-RequestId: echo-1\r\n", req, head + body);
		} else if (strcmp(path, "/s3") == 0) {
			reply(fd, "301 Moved Permanently", "x-amz-request-id: s3-1\r\nx-amz-bucket-region: eu-west-1\r\n",
			      "<Error/>", 8);
		} else if (strcmp(path, "/big") == 0) {
			char *big = malloc(BIG);

			memset(big, 'x', BIG);
			reply(fd, "200 OK", "", big, BIG);
			free(big);
		} else if (strcmp(path, "/slow") == 0) {
			sleep(2);
			reply(fd, "200 OK", "", "late", 4);
		} else if (strcmp(path, "/wait") == 0) {
			struct timespec wait = {0, 300000000L};

			nanosleep(&wait, NULL);
			reply(fd, "200 OK", "x-amzn-RequestId: wait-1\r\n", "waited", 6);
		} else if (strcmp(path, "/fail") == 0) {
			static const char e[] = "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>gone</Message>"
						"</Error><RequestId>fail-1</RequestId></ErrorResponse>";

			reply(fd, "404 Not Found", "", e, sizeof(e) - 1);
		} else if (strncmp(path, "/flaky/", 7) == 0) {
			char marker[512];
			int m;

			snprintf(marker, sizeof(marker), "%s/%s", flaky_dir, path + 7);
			if ((m = open(marker, O_CREAT | O_EXCL | O_WRONLY, 0600)) >= 0) {
				close(m);
				reply(fd, "503 Service Unavailable", "", "<Error><Code>ServiceUnavailable</Code></Error>", 46);
			} else {
				reply(fd, "200 OK", "", "second", 6);
			}
		} else if (strcmp(path, "/count") == 0) {
			char n[16];

			snprintf(n, sizeof(n), "%d", connections);
			reply(fd, "200 OK", "", n, strlen(n));
		} else {
			reply(fd, "404 Not Found", "", "", 0);
		}
		memmove(req, req + head + body, have - head - body);
		have -= head + body;
		req[have] = '\0';
	}
}

/* `parallel`: a process per connection, so that several can be served at once. */
static pid_t start_server_mode(int *port, int parallel)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, connections = 0;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) != 0) {
		perror("server");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	if ((pid = fork()) == 0) {
		for (;;) {
			int fd = accept(s, NULL, NULL);

			if (fd < 0)
				_exit(0);
			connections++;
			if (parallel) {
				if (fork() == 0) {
					serve(fd, connections);
					_exit(0);
				}
				close(fd);
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
				continue;
			}
			/* One connection at a time is all one client needs; a second one is what we count. */
			serve(fd, connections);
			close(fd);
		}
	}
	close(s);
	return pid;
}

static pid_t start_server(int *port)
{
	return start_server_mode(port, 0);
}

static void stop_server(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Several exchanges at once: each its own result, the first failure in order on the client. */
static void test_send_many(void)
{
	struct piam__http_response resp[4];
	struct piam__http_exchange x[4];
	static const char *const paths[4] = {"/wait", "/wait", "/big", "/wait"};
	char urls[4][128];
	piam_client *c;
	long long t0, took;
	int port, i;
	pid_t pid = start_server_mode(&port, 1);

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	memset(x, 0, sizeof(x));
	for (i = 0; i < 4; i++) {
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d%s", port, paths[i]);
		x[i].method = "GET";
		x[i].url = urls[i];
		x[i].resp = &resp[i];
	}
	t0 = mono_ms();
	CHECK_INT(piam__http_send_many(c, x, 4), PIAM_ETOOBIG);
	took = mono_ms() - t0;
	CHECK(took < 900); /* three 300 ms waits, side by side */
	CHECK_INT(x[0].rc, PIAM_OK);
	CHECK_INT(resp[0].status, 200);
	CHECK_STR(resp[0].body.data, "waited");
	CHECK_STR(resp[0].request_id, "wait-1");
	CHECK_INT(x[1].rc, PIAM_OK);
	CHECK_INT(x[2].rc, PIAM_ETOOBIG);
	CHECK_INT(x[3].rc, PIAM_OK);
	CHECK_STR(resp[3].body.data, "waited");
	CHECK(strstr(piam_client_error_message(c), "/big: the reply exceeds") != NULL);
	CHECK_INT(c->http->requests, 4);
	CHECK(c->http->connections >= 3 && c->http->connections <= PIAM__HTTP_MAX_HOST_CONNECTIONS);
	for (i = 0; i < 4; i++)
		piam__http_response_free(c, &resp[i]);

	/* The connections are kept: the next batch opens none. */
	{
		unsigned long before = c->http->connections;

		CHECK_INT(piam__http_send_many(c, x, 2), PIAM_OK);
		CHECK_INT(c->http->connections, before);
		for (i = 0; i < 2; i++)
			piam__http_response_free(c, &resp[i]);
	}
	piam_client_free(c);
	stop_server(pid);
}

struct sleeps {
	long total;
	int n;
};

static void record_sleep(long ms, void *ud)
{
	struct sleeps *s = ud;

	s->total += ms;
	s->n++;
}

static double half(void *ud)
{
	(void)ud;
	return 0.5;
}

static void make_request(struct piam__request *r, const char *op, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->svc = PIAM__SVC_IAM;
	r->op = op;
	r->method = "POST";
	r->path = path;
	r->body = "Action=X";
	r->body_len = 8;
}

/* A client for the loopback server on `port`, with fake credentials and the sleeps recorded, not slept. */
static piam_client *loopback_client(int port, const piam_allocator *a, struct sleeps *sl)
{
	piam_client *c = NULL;
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	CHECK_INT(piam_client_new(&c, a), PIAM_OK);
	CHECK_INT(piam_client_set_endpoint(c, NULL, url), PIAM_OK);
	CHECK_INT(piam_client_set_credentials(c, "AKIDEXAMPLE", "secret", NULL), PIAM_OK);
	CHECK_INT(piam__http_set_hooks(c, NULL, record_sleep, half, NULL, sl), PIAM_OK);
	return c;
}

/* Signed requests at once: one fails, one is retried, one is too big; errors as piam__request_send gives them. */
static void test_request_send_many(void)
{
	struct piam__http_response resp[4];
	struct piam__request req[4];
	struct sleeps sl = {0, 0};
	piam_client *c;
	int rcs[4], port, i;
	pid_t pid = start_server_mode(&port, 1);

	c = loopback_client(port, NULL, &sl);
	make_request(&req[0], "Waited", "/wait");
	make_request(&req[1], "Failed", "/fail");
	make_request(&req[2], "Flaky", "/flaky/a");
	make_request(&req[3], "Big", "/big");
	CHECK_INT(piam__request_send_many(c, req, 4, resp, rcs), PIAM_ENOTFOUND);
	CHECK_INT(rcs[0], PIAM_OK);
	CHECK_STR(resp[0].body.data, "waited");
	CHECK_INT(rcs[1], PIAM_ENOTFOUND);
	CHECK_INT(rcs[2], PIAM_OK);
	CHECK_STR(resp[2].body.data, "second");
	CHECK_INT(rcs[3], PIAM_ETOOBIG);
	/* the first failure in request order, as piam__request_send reports it */
	CHECK_STR(piam_client_error_message(c), "Failed: NoSuchEntity (HTTP 404): gone [request id fail-1]");
	CHECK_STR(piam_client_error_aws_code(c), "NoSuchEntity");
	CHECK_STR(piam_client_error_request_id(c), "fail-1");
	CHECK_INT(piam_client_error_http_status(c), 404);
	CHECK_INT(c->http->requests, 5); /* four, and the flaky one again */
	CHECK_INT(sl.n, 1);
	CHECK_INT(sl.total, 500); /* random 0.5 x 1 s, the first retry's delay */
	for (i = 0; i < 4; i++)
		piam__http_response_free(c, &resp[i]);

	/* A size cap before a failure: the size cap is the error. */
	CHECK_INT(piam__request_send_many(c, &req[3], 1, resp, rcs), PIAM_ETOOBIG);
	CHECK(strstr(piam_client_error_message(c), "exceeds") != NULL);
	piam__http_response_free(c, &resp[0]);

	/* Read ahead: invisible until the same request asks, which then sends nothing. */
	piam__error_clear(c);
	piam__request_read_ahead(c, req, 2);
	CHECK_INT(c->http->requests, 8);
	CHECK_STR(piam_client_error_message(c), "");
	CHECK_INT(piam__request_send(c, &req[1], &resp[0]), PIAM_ENOTFOUND);
	CHECK_STR(piam_client_error_message(c), "Failed: NoSuchEntity (HTTP 404): gone [request id fail-1]");
	piam__http_response_free(c, &resp[0]);
	CHECK_INT(piam__request_send(c, &req[0], &resp[0]), PIAM_OK);
	CHECK_STR(resp[0].body.data, "waited");
	piam__http_response_free(c, &resp[0]);
	CHECK_INT(c->http->requests, 8);
	/* each reply answers once */
	CHECK_INT(piam__request_send(c, &req[0], &resp[0]), PIAM_OK);
	piam__http_response_free(c, &resp[0]);
	CHECK_INT(c->http->requests, 9);
	/* forgotten replies are not taken */
	piam__request_read_ahead(c, req, 1);
	piam__request_read_ahead(c, NULL, 0);
	CHECK_INT(piam__request_send(c, &req[0], &resp[0]), PIAM_OK);
	piam__http_response_free(c, &resp[0]);
	CHECK_INT(c->http->requests, 11);
	/* kept replies go with the client (valgrind sees them freed) */
	piam__request_read_ahead(c, req, 2);
	piam_client_free(c);
	stop_server(pid);
}

/* Noting: requests kept, not sent, then sent together; their replies answer the same requests once. */
static void test_noting(void)
{
	struct piam__http_response resp;
	struct piam__request req[2];
	struct sleeps sl = {0, 0};
	struct testalloc t;
	piam_allocator a;
	piam_client *c;
	char *body;
	int port;
	pid_t pid = start_server_mode(&port, 1);

	memset(&t, 0, sizeof(t));
	a = testalloc_allocator(&t);
	c = loopback_client(port, &a, &sl);
	make_request(&req[0], "Waited", "/wait");
	make_request(&req[1], "Flaky", "/flaky/noted");

	/* the copy noted does not point into the caller's body, freed before it is sent */
	body = strdup("Action=Noted");
	req[0].body = body;
	req[0].body_len = strlen(body);
	CHECK_INT(piam__request_note_begin(c), PIAM_OK);
	CHECK_INT(piam__request_note_begin(c), PIAM_EINVAL);
	CHECK(piam__request_noting(c));
	CHECK_INT(piam__request_send(c, &req[0], &resp), PIAM__NOTED);
	CHECK_INT(piam__request_send(c, &req[1], &resp), PIAM__NOTED);
	free(body);
	CHECK_INT(c->http->requests, 0);
	CHECK_INT(piam__request_note_send(c), 1);
	CHECK(!piam__request_noting(c));
	CHECK_INT(c->http->requests, 3); /* two, and the flaky one again */
	body = strdup("Action=Noted");
	req[0].body = body;

	/* the reply of a request sent twice says so: a create that finds its own work knows why */
	CHECK_INT(piam__request_send(c, &req[1], &resp), PIAM_OK);
	CHECK_STR(resp.body.data, "second");
	CHECK_INT(c->http->last_attempts, 2);
	piam__http_response_free(c, &resp);

	/* a kept reply that cannot be looked up (no memory) is not replaced by sending again */
	t.fail_at = t.calls + 1;
	CHECK_INT(piam__request_send(c, &req[0], &resp), PIAM_ENOMEM);
	piam__http_response_free(c, &resp);
	t.fail_at = 0;
	CHECK_INT(c->http->requests, 3);
	CHECK_INT(piam__request_send(c, &req[0], &resp), PIAM_OK);
	CHECK_STR(resp.body.data, "waited");
	CHECK_INT(c->http->last_attempts, 1);
	piam__http_response_free(c, &resp);
	CHECK_INT(c->http->requests, 3);

	/* a request that cannot be noted: nothing goes out together, each goes when it is made */
	CHECK_INT(piam__request_note_begin(c), PIAM_OK);
	t.fail_at = t.calls + 1;
	CHECK_INT(piam__request_send(c, &req[0], &resp), PIAM_ENOMEM);
	t.fail_at = 0;
	CHECK_INT(piam__request_send(c, &req[1], &resp), PIAM__NOTED);
	CHECK_INT(piam__request_note_send(c), 0);
	CHECK_INT(c->http->requests, 3);
	CHECK_INT(piam__request_note_begin(c), PIAM_OK); /* and noting can start again */
	CHECK_INT(piam__request_note_send(c), 0);

	free(body);
	piam_client_free(c);
	CHECK_INT(t.live, 0);
	stop_server(pid);
}

static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &alen);
	close(s);
	return ntohs(a.sin_port);
}

static void test_exchange(piam_client *c, int port)
{
	static const struct piam__sig_header headers[] = {
		{"Host", "example.test"}, {"Content-Type", "application/x-www-form-urlencoded"}, {"X-Custom", "v1"}};
	struct piam__http_response resp;
	char url[128], expect[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", port);
	CHECK_INT(piam__http_send(c, "POST", url, headers, 3, "a=1&b=2", 7, 0, &resp), PIAM_OK);
	CHECK_INT(resp.status, 200);
	CHECK_STR(resp.request_id, "echo-1");
	CHECK_STR(resp.bucket_region, "");
	CHECK_INT(resp.date, 1767225600LL);
	CHECK(strncmp(resp.body.data, "POST /echo HTTP/1.1\r\n", 21) == 0);
	CHECK(strstr(resp.body.data, "\r\nHost: example.test\r\n") != NULL);
	CHECK(strstr(resp.body.data, "\r\nX-Custom: v1\r\n") != NULL);
	snprintf(expect, sizeof(expect), "\r\nUser-Agent: piam/%s\r\n", piam_version());
	CHECK(strstr(resp.body.data, expect) != NULL);
	CHECK(strstr(resp.body.data, "Expect:") == NULL);
	CHECK(strstr(resp.body.data, "\r\nContent-Length: 7\r\n") != NULL);
	CHECK(strstr(resp.body.data, "\r\n\r\na=1&b=2") != NULL);
	piam__http_response_free(c, &resp);

	/* A body without a Content-Type goes without one: curl must not call it a form. */
	CHECK_INT(piam__http_send(c, "PUT", url, NULL, 0, "{}", 2, 0, &resp), PIAM_OK);
	CHECK(strncmp(resp.body.data, "PUT /echo", 9) == 0);
	CHECK(strstr(resp.body.data, "Content-Type") == NULL);
	piam__http_response_free(c, &resp);

	{
		/* A session token of several KB fits in a header. */
		char token[4097];
		struct piam__sig_header big = {"X-Amz-Security-Token", token};

		memset(token, 'T', sizeof(token) - 1);
		token[sizeof(token) - 1] = '\0';
		CHECK_INT(piam__http_send(c, "GET", url, &big, 1, NULL, 0, 0, &resp), PIAM_OK);
		CHECK(strstr(resp.body.data, "X-Amz-Security-Token: TTTT") != NULL);
		piam__http_response_free(c, &resp);
	}
	CHECK_INT(piam__http_send(c, "DELETE", url, NULL, 0, NULL, 0, 0, &resp), PIAM_OK);
	CHECK(strncmp(resp.body.data, "DELETE /echo", 12) == 0);
	piam__http_response_free(c, &resp);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/s3", port);
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 0, &resp), PIAM_OK);
	CHECK_INT(resp.status, 301); /* redirects are the caller's business */
	CHECK_STR(resp.request_id, "s3-1");
	CHECK_STR(resp.bucket_region, "eu-west-1");
	CHECK_STR(resp.body.data, "<Error/>");
	piam__http_response_free(c, &resp);

	/* All of the above went over one kept-alive connection. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/count", port);
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 0, &resp), PIAM_OK);
	CHECK_STR(resp.body.data, "1");
	piam__http_response_free(c, &resp);
	CHECK_INT(c->http->requests, 6);
	CHECK_INT(c->http->connections, 1);
}

static void test_failures(piam_client *c, int port)
{
	struct piam__http_response resp;
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", port);
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 0, &resp), PIAM_ETOOBIG);
	CHECK(strstr(piam_client_error_message(c), "exceeds") != NULL);
	piam__http_response_free(c, &resp);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", port);
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 300, &resp), PIAM_ETIMEOUT);
	CHECK_INT(resp.status, 0);
	piam__http_response_free(c, &resp);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 0, &resp), PIAM_ENETWORK);
	piam__http_response_free(c, &resp);

	/* TLS to a server that speaks plain HTTP fails as TLS, not as a reply. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", port);
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 10000, &resp), PIAM_ETLS);
	piam__http_response_free(c, &resp);

	CHECK_INT(piam__http_send(c, "GET", "ftp://127.0.0.1/", NULL, 0, NULL, 0, 0, &resp), PIAM_EINVAL);
	piam__http_response_free(c, &resp);
}

static void test_settings(void)
{
	piam_client *c;

	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_CA_BUNDLE");
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam__http_max_attempts(c), 3);
	CHECK(piam__http_ca_file(c) == NULL);
	setenv("AWS_MAX_ATTEMPTS", "5", 1);
	setenv("AWS_CA_BUNDLE", "/etc/env-ca.pem", 1);
	CHECK_INT(piam__http_max_attempts(c), 3); /* the environment is off */
	CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
	CHECK_INT(piam__http_max_attempts(c), 5);
	CHECK_STR(piam__http_ca_file(c), "/etc/env-ca.pem");
	/* a malformed setting is an error, not silently the default */
	setenv("AWS_MAX_ATTEMPTS", "0", 1);
	CHECK_INT(piam__http_max_attempts(c), PIAM_ECONFIG);
	setenv("AWS_MAX_ATTEMPTS", "2x", 1);
	CHECK_INT(piam__http_max_attempts(c), PIAM_ECONFIG);
	CHECK(strstr(piam_client_error_message(c), "AWS_MAX_ATTEMPTS") != NULL);

	CHECK_INT(piam_client_set_max_attempts(c, 1), PIAM_OK);
	CHECK_INT(piam__http_max_attempts(c), 1);
	CHECK_INT(piam_client_set_max_attempts(c, 21), PIAM_EINVAL);
	CHECK_INT(piam_client_set_max_attempts(c, -1), PIAM_EINVAL);
	CHECK_INT(piam__http_max_attempts(c), 1);
	CHECK_INT(piam_client_set_max_attempts(c, 0), PIAM_OK);
	CHECK_INT(piam_client_set_max_attempts(NULL, 2), PIAM_EINVAL);

	CHECK_INT(piam_client_set_ca_file(c, "/etc/mine.pem"), PIAM_OK);
	CHECK_STR(piam__http_ca_file(c), "/etc/mine.pem");
	CHECK_INT(piam_client_set_ca_file(c, ""), PIAM_EINVAL);
	CHECK_STR(piam__http_ca_file(c), "/etc/mine.pem");
	CHECK_INT(piam_client_set_ca_file(c, NULL), PIAM_OK);
	CHECK_STR(piam__http_ca_file(c), "/etc/env-ca.pem");

	CHECK_INT(piam_client_set_s3_path_style(c, 2), PIAM_EINVAL);
	CHECK_INT(piam_client_set_s3_path_style(c, 1), PIAM_OK);
	CHECK_INT(c->http->s3_path_style, 1);
	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_CA_BUNDLE");
	piam_client_free(c);
}

static long long fixed_now(void *ud)
{
	(void)ud;
	return 1440938160000LL;
}

static void test_hooks(void)
{
	piam_client *c;
	double r;
	int i, ok = 1;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK(piam__now_ms(c) > 1700000000000LL); /* the real clock */
	for (i = 0; i < 1000; i++) {
		r = piam__random(c);
		ok &= r >= 0.0 && r < 1.0;
	}
	CHECK(ok);
	CHECK_INT(piam__http_set_hooks(c, fixed_now, NULL, NULL, NULL, NULL), PIAM_OK);
	CHECK_INT(piam__now_ms(c), 1440938160000LL);
	piam_client_free(c);
}

static void test_alloc_failures(int port)
{
	struct piam__http_response resp;
	struct testalloc t;
	piam_allocator a;
	piam_client *c;
	char url[128];
	long n;
	int rc, failed = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", port);
	for (n = 1; n <= 20; n++) {
		memset(&t, 0, sizeof(t));
		a = testalloc_allocator(&t);
		CHECK_INT(piam_client_new(&c, &a), PIAM_OK);
		t.fail_at = t.calls + n;
		rc = piam__http_send(c, "POST", url, NULL, 0, "x", 1, 0, &resp);
		if (rc) {
			CHECK_INT(rc, PIAM_ENOMEM);
			failed++;
		}
		piam__http_response_free(c, &resp);
		piam_client_free(c);
		CHECK_INT(t.live, 0);
	}
	CHECK(failed > 0);
}

int main(void)
{
	piam_client *c;
	int port, status;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	pid = start_server(&port);
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	test_exchange(c, port);
	test_failures(c, port);
	piam_client_free(c);
	test_alloc_failures(port);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	CHECK(mkdtemp(flaky_dir) != NULL);
	test_send_many();
	test_request_send_many();
	test_noting();
	{
		char marker[128];

		snprintf(marker, sizeof(marker), "%s/a", flaky_dir);
		unlink(marker);
		snprintf(marker, sizeof(marker), "%s/noted", flaky_dir);
		unlink(marker);
		rmdir(flaky_dir);
	}
	test_settings();
	test_hooks();
	return check_exit();
}
