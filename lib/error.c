/* Status code names and texts, and the last error and log lines recorded on a client. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* One row per status code: its value, its name and its text. */
#define PIAM__STATUS_TABLE(X)                                             \
	X(PIAM_OK, "success")                                             \
	X(PIAM_EINVAL, "invalid argument")                                \
	X(PIAM_ENOMEM, "out of memory")                                   \
	X(PIAM_ENETWORK, "network error")                                 \
	X(PIAM_ETIMEOUT, "timed out")                                     \
	X(PIAM_ECREDENTIALS, "no usable credentials")                     \
	X(PIAM_ESERVICE, "AWS service error")                             \
	X(PIAM_ENOTFOUND, "not found")                                    \
	X(PIAM_EEXISTS, "already exists")                                 \
	X(PIAM_ETHROTTLED, "throttled")                                   \
	X(PIAM_EACCESS, "access denied")                                  \
	X(PIAM_ESIGNATURE, "request signature rejected")                  \
	X(PIAM_EPOLICY, "malformed policy document")                      \
	X(PIAM_ELIMIT, "AWS limit exceeded")                              \
	X(PIAM_EPROTOCOL, "unexpected reply")                             \
	X(PIAM_ETOOBIG, "reply too large")                                \
	X(PIAM_ETLS, "TLS error")                                         \
	X(PIAM_ENOTOWNED, "resource not created by piam")                 \
	X(PIAM_ECONFIG, "malformed configuration")                        \
	X(PIAM_EIO, "cannot read file")                                   \
	X(PIAM_ECONFLICT, "conflicting state")

PIAM_API const char *piam_strerror(int code)
{
	switch (code) {
#define X(sym, text) \
	case sym:    \
		return text;
		PIAM__STATUS_TABLE(X)
#undef X
	}
	return "unknown error";
}

PIAM_API const char *piam_status_name(int code)
{
	switch (code) {
#define X(sym, text) \
	case sym:    \
		return #sym;
		PIAM__STATUS_TABLE(X)
#undef X
	}
	return "PIAM_EUNKNOWN";
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void record(piam_client *c, int code, long http_status, const char *aws_code,
		   const char *request_id, const char *fmt, va_list ap)
{
	c->err_code = code;
	c->err_http_status = http_status;
	copy_field(c->err_aws_code, sizeof(c->err_aws_code), aws_code);
	copy_field(c->err_request_id, sizeof(c->err_request_id), request_id);
	if (fmt)
		vsnprintf(c->err_message, sizeof(c->err_message), fmt, ap);
	else
		copy_field(c->err_message, sizeof(c->err_message), piam_strerror(code));
	piam__log(c, PIAM_LOG_DEBUG, "error: %s", c->err_message);
}

int piam__error(piam_client *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(c, code, 0, NULL, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int piam__error_aws(piam_client *c, int code, long http_status, const char *aws_code,
		    const char *request_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(c, code, http_status, aws_code, request_id, fmt, ap);
	va_end(ap);
	return code;
}

void piam__error_clear(piam_client *c)
{
	c->err_code = PIAM_OK;
	c->err_http_status = 0;
	c->err_message[0] = c->err_aws_code[0] = c->err_request_id[0] = '\0';
}

int piam__call_begin(piam_client *c)
{
	if (!c)
		return PIAM_EINVAL;
	piam__error_clear(c);
	return PIAM_OK;
}

void piam__log(piam_client *c, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!c->log_fn || level > c->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->log_fn(level, line, c->log_userdata);
}

PIAM_API int piam_client_error(const piam_client *client)
{
	return client ? client->err_code : PIAM_EINVAL;
}

PIAM_API const char *piam_client_error_message(const piam_client *client)
{
	return client ? client->err_message : "";
}

PIAM_API const char *piam_client_error_aws_code(const piam_client *client)
{
	return client ? client->err_aws_code : "";
}

PIAM_API long piam_client_error_http_status(const piam_client *client)
{
	return client ? client->err_http_status : 0;
}

PIAM_API const char *piam_client_error_request_id(const piam_client *client)
{
	return client ? client->err_request_id : "";
}
