/*
 * Reading AWS XML replies (expat). Pure: takes bytes, returns a read-only tree.
 *
 * A document is parsed once into a compact tree of elements; each element has a name, its own
 * text (the character data before its first child; "" when none) and its children. Attributes,
 * comments and processing instructions are dropped; a DOCTYPE or entity declaration is refused,
 * and so are documents nested deeper than PIAM__XML_MAX_DEPTH or with more than
 * PIAM__XML_MAX_NODES elements.
 *
 * The tree and its strings come from the client's allocator; expat's own parser state uses the
 * C library's allocator (expat's memory-suite callbacks take no userdata, and piam keeps no
 * global through which they could reach the client); expat does not wipe its buffers.
 *
 * Typical use:
 *     if ((rc = piam__xml_parse(c, body, len, &doc)))
 *         return rc;
 *     arn = piam__xml_text(piam__xml_root(doc), "GetRoleResult/Role/Arn");
 *     for (m = piam__xml_find(root, "ListRoleTagsResult/Tags/member"); m; m = piam__xml_next(m))
 *         ... piam__xml_text(m, "Key") ...
 *     piam__xml_free(c, doc);
 */
#ifndef PIAM_XML_H
#define PIAM_XML_H

#include "internal.h"

#define PIAM__XML_MAX_DEPTH 32
#define PIAM__XML_MAX_NODES 50000

struct piam__xml;

struct piam__xml_node {
	const char *name;
	const char *text;
	const struct piam__xml_node *parent;
	const struct piam__xml_node *child; /* first child */
	const struct piam__xml_node *next;  /* next sibling */
};

/* Parse `len` bytes. Errors: PIAM_EPROTOCOL (not well-formed, DTD, over a limit), PIAM_ENOMEM. */
int piam__xml_parse(piam_client *c, const char *data, size_t len, struct piam__xml **out);
/* Wipes the document's text (replies can carry credentials) and frees it. Accepts NULL. */
void piam__xml_free(piam_client *c, struct piam__xml *doc);

const struct piam__xml_node *piam__xml_root(const struct piam__xml *doc);

/*
 * The first element at `path` below `node`: child names separated by '/', e.g.
 * "GetRoleResult/Role/Arn". NULL or "" is `node` itself. NULL when absent (or node is NULL).
 */
const struct piam__xml_node *piam__xml_find(const struct piam__xml_node *node, const char *path);
/* The text of the element at `path` below `node`, or NULL when there is no such element. */
const char *piam__xml_text(const struct piam__xml_node *node, const char *path);
/* The next sibling with the same name (repeated members such as .../AttachedPolicies/member). */
const struct piam__xml_node *piam__xml_next(const struct piam__xml_node *node);

/* The fields of an AWS error reply; empty strings for what the reply lacks. */
struct piam__aws_error {
	char type[16];                   /* "Sender" or "Receiver" (IAM/STS only) */
	char code[PIAM__ERRCODE_MAX];    /* e.g. "NoSuchEntity" */
	char message[256];
	char request_id[PIAM__REQID_MAX];
};

/*
 * Read an AWS error document: the Query form ErrorResponse/Error/{Type,Code,Message} +
 * ErrorResponse/RequestId, the S3 form Error/{Code,Message,RequestId}, or the EC2 form
 * Response/Errors/Error/{Code,Message} + Response/RequestID. Values are cut to fit.
 * Returns 0 when an error code was found; PIAM_EPROTOCOL (not an error document) or
 * PIAM_ENOMEM otherwise, with *out emptied. Records nothing on the client on success.
 */
int piam__xml_aws_error(piam_client *c, const char *data, size_t len, struct piam__aws_error *out);

/*
 * Percent-decode `in` ("%7B%22a%22" -> "{\"a\""); '+' stays '+', as in IAM's encoding of policy
 * documents. *out is allocated with the client's allocator. Errors: PIAM_EPROTOCOL (a '%' not
 * followed by two hex digits, or a decoded NUL), PIAM_ENOMEM.
 */
int piam__url_decode(piam_client *c, const char *in, char **out);

#endif
