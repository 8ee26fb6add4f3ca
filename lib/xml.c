/* AWS XML replies read with expat into a small read-only tree; the only expat user. */
#include <expat.h>
#include <limits.h>
#include <string.h>

#include "xml.h"

struct piam__xml {
	struct piam__xml_node *nodes; /* nodes[0] is the root */
	size_t count;
	char *strings;                /* every name and text, NUL-separated */
	size_t strings_len;
};

/* While parsing, links are indices: the arrays move as they grow. */
struct pnode {
	size_t name, text;
	long parent, child, last, next;
};

struct parse {
	piam_client *c;
	XML_Parser parser;
	struct pnode *nodes;
	size_t count, cap;
	piam__buf strings;
	long current;   /* the open element, -1 before the root */
	int depth;
	int text_open;  /* the current element's text is the tail of `strings` */
	int rc;
};

static void fail(struct parse *p, int rc)
{
	if (!p->rc)
		p->rc = rc;
	XML_StopParser(p->parser, XML_FALSE);
}

/* End the open text run, if any, with its NUL. */
static int close_text(struct parse *p)
{
	if (!p->text_open)
		return 0;
	p->text_open = 0;
	return piam__buf_append_wiped(p->c, &p->strings, "", 1);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *p = ud;
	struct pnode *n;
	size_t name_off;

	(void)attrs;
	if (p->rc)
		return;
	if (p->depth >= PIAM__XML_MAX_DEPTH || p->count >= PIAM__XML_MAX_NODES) {
		fail(p, piam__error(p->c, PIAM_EPROTOCOL, "XML reply nested too deep or too large"));
		return;
	}
	if (close_text(p))
		goto nomem;
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct pnode *grown = piam__realloc(p->c, p->nodes, cap * sizeof(*grown));

		if (!grown)
			goto nomem;
		p->nodes = grown;
		p->cap = cap;
	}
	name_off = p->strings.len;
	if (piam__buf_append_wiped(p->c, &p->strings, name, strlen(name) + 1))
		goto nomem;
	n = &p->nodes[p->count];
	n->name = name_off;
	n->text = 0;
	n->parent = p->current;
	n->child = n->last = n->next = -1;
	if (p->current >= 0) {
		struct pnode *parent = &p->nodes[p->current];

		if (parent->last >= 0)
			p->nodes[parent->last].next = (long)p->count;
		else
			parent->child = (long)p->count;
		parent->last = (long)p->count;
	}
	p->current = (long)p->count++;
	p->depth++;
	return;
nomem:
	fail(p, PIAM_ENOMEM);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct parse *p = ud;

	(void)name;
	if (p->rc)
		return;
	if (close_text(p)) {
		fail(p, PIAM_ENOMEM);
		return;
	}
	p->current = p->nodes[p->current].parent;
	p->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct parse *p = ud;
	struct pnode *n;

	if (p->rc || p->current < 0)
		return;
	n = &p->nodes[p->current];
	/* Text after the first child (indentation, mixed content) is not part of the element's text. */
	if (n->child >= 0)
		return;
	if (!p->text_open) {
		n->text = p->strings.len;
		p->text_open = 1;
	}
	if (piam__buf_append_wiped(p->c, &p->strings, s, (size_t)len))
		fail(p, PIAM_ENOMEM);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	struct parse *p = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail(p, piam__error(p->c, PIAM_EPROTOCOL, "XML reply with a DOCTYPE refused"));
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
			      int value_len, const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	struct parse *p = ud;

	(void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid,
		(void)notation;
	fail(p, piam__error(p->c, PIAM_EPROTOCOL, "XML reply with an entity declaration refused"));
}

/* Turn the index links into pointers once the arrays no longer move. */
static int build(struct parse *p, struct piam__xml **out)
{
	struct piam__xml *doc;
	size_t i;

	if (!(doc = piam__calloc(p->c, 1, sizeof(*doc))))
		return PIAM_ENOMEM;
	if (!(doc->nodes = piam__calloc(p->c, p->count, sizeof(*doc->nodes)))) {
		piam__free(p->c, doc);
		return PIAM_ENOMEM;
	}
	doc->count = p->count;
	doc->strings = p->strings.data;
	doc->strings_len = p->strings.cap;
	p->strings.data = NULL;
	for (i = 0; i < p->count; i++) {
		const struct pnode *s = &p->nodes[i];
		struct piam__xml_node *d = &doc->nodes[i];

		d->name = doc->strings + s->name;
		d->text = doc->strings + s->text;
		d->parent = s->parent >= 0 ? &doc->nodes[s->parent] : NULL;
		d->child = s->child >= 0 ? &doc->nodes[s->child] : NULL;
		d->next = s->next >= 0 ? &doc->nodes[s->next] : NULL;
	}
	*out = doc;
	return PIAM_OK;
}

int piam__xml_parse(piam_client *c, const char *data, size_t len, struct piam__xml **out)
{
	struct parse p;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.current = -1;
	if (len > INT_MAX)
		return piam__error(c, PIAM_EPROTOCOL, "XML reply too large");
	/* Offset 0 is the empty string every element without text points at. */
	if (piam__buf_append_wiped(c, &p.strings, "", 1))
		return PIAM_ENOMEM;
	if (!(p.parser = XML_ParserCreate("UTF-8"))) {
		piam__buf_free(c, &p.strings);
		return piam__error(c, PIAM_ENOMEM, "out of memory creating the XML parser");
	}
	XML_SetUserData(p.parser, &p);
	XML_SetElementHandler(p.parser, on_start, on_end);
	XML_SetCharacterDataHandler(p.parser, on_text);
	XML_SetStartDoctypeDeclHandler(p.parser, on_doctype);
	XML_SetEntityDeclHandler(p.parser, on_entity);
	if (XML_Parse(p.parser, data, (int)len, XML_TRUE) == XML_STATUS_ERROR && !p.rc)
		p.rc = piam__error(c, PIAM_EPROTOCOL, "malformed XML reply: %s at line %lu",
				   XML_ErrorString(XML_GetErrorCode(p.parser)),
				   (unsigned long)XML_GetCurrentLineNumber(p.parser));
	XML_ParserFree(p.parser);
	rc = p.rc;
	if (!rc && p.count == 0)
		rc = piam__error(c, PIAM_EPROTOCOL, "empty XML reply");
	if (!rc)
		rc = build(&p, out);
	piam__free(c, p.nodes);
	piam__buf_wipe(c, &p.strings);
	return rc;
}

void piam__xml_free(piam_client *c, struct piam__xml *doc)
{
	if (!doc)
		return;
	piam__free(c, doc->nodes);
	/* Replies can carry credentials (STS AssumeRole): wipe their text. */
	piam__wipe(doc->strings, doc->strings_len);
	piam__free(c, doc->strings);
	piam__free(c, doc);
}

const struct piam__xml_node *piam__xml_root(const struct piam__xml *doc)
{
	return doc ? &doc->nodes[0] : NULL;
}

const struct piam__xml_node *piam__xml_find(const struct piam__xml_node *node, const char *path)
{
	const char *seg = path, *end;
	const struct piam__xml_node *k;
	size_t n;

	if (!path)
		return node;
	while (node && *seg) {
		end = strchr(seg, '/');
		n = end ? (size_t)(end - seg) : strlen(seg);
		for (k = node->child; k; k = k->next)
			if (strncmp(k->name, seg, n) == 0 && k->name[n] == '\0')
				break;
		node = k;
		seg += n;
		if (*seg == '/')
			seg++;
	}
	return node;
}

const char *piam__xml_text(const struct piam__xml_node *node, const char *path)
{
	node = piam__xml_find(node, path);
	return node ? node->text : NULL;
}

const struct piam__xml_node *piam__xml_next(const struct piam__xml_node *node)
{
	const struct piam__xml_node *k;

	for (k = node ? node->next : NULL; k; k = k->next)
		if (strcmp(k->name, node->name) == 0)
			return k;
	return NULL;
}

/* Copy, cut to fit, with control characters as spaces: these go into one-line messages. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0, i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? ' ' : src[i];
	dst[n] = '\0';
}

int piam__xml_aws_error(piam_client *c, const char *data, size_t len, struct piam__aws_error *out)
{
	const struct piam__xml_node *root, *err;
	const char *reqid = NULL;
	struct piam__xml *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = piam__xml_parse(c, data, len, &doc)))
		return rc;
	root = &doc->nodes[0];
	if (strcmp(root->name, "ErrorResponse") == 0) {
		/* ErrorResponse/Errors/Error is what some servers (moto) send for the Query form. */
		if (!(err = piam__xml_find(root, "Error")))
			err = piam__xml_find(root, "Errors/Error");
		reqid = piam__xml_text(root, "RequestId");
	} else if (strcmp(root->name, "Error") == 0) {
		err = root;
	} else if (strcmp(root->name, "Response") == 0) {
		err = piam__xml_find(root, "Errors/Error");
		reqid = piam__xml_text(root, "RequestID");
	} else {
		err = NULL;
	}
	if (!err || !piam__xml_text(err, "Code") || !*piam__xml_text(err, "Code")) {
		piam__xml_free(c, doc);
		return PIAM_EPROTOCOL;
	}
	if (!reqid)
		reqid = piam__xml_text(err, "RequestId");
	copy_cut(out->type, sizeof(out->type), piam__xml_text(err, "Type"));
	copy_cut(out->code, sizeof(out->code), piam__xml_text(err, "Code"));
	copy_cut(out->message, sizeof(out->message), piam__xml_text(err, "Message"));
	copy_cut(out->request_id, sizeof(out->request_id), reqid);
	piam__xml_free(c, doc);
	return PIAM_OK;
}

int piam__url_decode(piam_client *c, const char *in, char **out)
{
	size_t n = strlen(in);
	char *d, *o;
	int hi, lo;

	*out = NULL;
	if (!(d = piam__malloc(c, n + 1)))
		return PIAM_ENOMEM;
	for (o = d; *in; in++) {
		if (*in != '%') {
			*o++ = *in;
			continue;
		}
		if ((hi = piam__hexval(in[1])) < 0 || (lo = piam__hexval(in[2])) < 0 || (hi | lo) == 0) {
			piam__free(c, d);
			return piam__error(c, PIAM_EPROTOCOL, "malformed percent-encoding in a policy document");
		}
		*o++ = (char)(hi << 4 | lo);
		in += 2;
	}
	*o = '\0';
	*out = d;
	return PIAM_OK;
}
