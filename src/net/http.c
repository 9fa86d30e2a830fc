/* HTTP on the loop (see http.h): libcurl's multi socket API, with curl's
 * sockets and its one timer mapped onto loop watchers and a loop timer. */
#include "opsdeck/net/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_client {
    loop_t *loop;
    CURLM *multi;
    uint64_t timer;
    http_request *requests; /* in flight, for cancelling at free */
};

struct http_request {
    http_client *client;
    CURL *easy;
    char url[2048];
    http_done_fn done;
    void *arg;
    char *body;
    size_t body_len, body_cap, max_bytes; /* body_cap: allocated, NUL included */
    bool too_large;
    char curl_error[CURL_ERROR_SIZE];
    http_request *next, *prev;
};

static void unlink_request(http_request *r)
{
    http_client *c = r->client;
    if (r->prev)
        r->prev->next = r->next;
    else
        c->requests = r->next;
    if (r->next)
        r->next->prev = r->prev;
}

static void free_request(http_request *r)
{
    unlink_request(r);
    curl_multi_remove_handle(r->client->multi, r->easy);
    curl_easy_cleanup(r->easy);
    free(r->body);
    free(r);
}

static void describe_failure(http_request *r, CURLcode code, http_response *res)
{
    if (r->too_large || code == CURLE_FILESIZE_EXCEEDED)
        snprintf(res->error, sizeof(res->error), "%.200s: response larger than %zu bytes", r->url,
                 r->max_bytes);
    else
        snprintf(res->error, sizeof(res->error), "%.200s: %.280s", r->url,
                 r->curl_error[0] ? r->curl_error : curl_easy_strerror(code));
}

static void finish(http_request *r, CURLcode code)
{
    http_response res = {.body = r->body ? r->body : "", .body_len = r->body_len};
    double total = 0;
    curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &total);
    res.total_s = total;
    if (code == CURLE_OK) {
        res.ok = true;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
        char *ctype = NULL;
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ctype);
        snprintf(res.content_type, sizeof(res.content_type), "%s", ctype ? ctype : "");
    } else {
        describe_failure(r, code, &res);
    }
    http_done_fn done = r->done;
    void *arg = r->arg;
    /* the request goes first: done may start new requests or free things */
    char *body = r->body;
    r->body = NULL;
    free_request(r);
    res.body = body ? body : "";
    done(&res, arg);
    free(body);
}

static void collect_finished(http_client *c)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        http_request *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r)
            finish(r, msg->data.result);
    }
}

static void on_socket_ready(loop_t *loop, int fd, int revents, void *arg)
{
    http_client *c = arg;
    int flags = 0;
    if (revents & (POLLIN | POLLHUP))
        flags |= CURL_CSELECT_IN;
    if (revents & POLLOUT)
        flags |= CURL_CSELECT_OUT;
    if (revents & (POLLERR | POLLNVAL))
        flags |= CURL_CSELECT_ERR;
    int running;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    collect_finished(c);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    http_client *c = userp;
    if (what == CURL_POLL_REMOVE) {
        loop_unwatch(c->loop, fd);
        return 0;
    }
    short events = 0;
    if (what & CURL_POLL_IN)
        events |= POLLIN;
    if (what & CURL_POLL_OUT)
        events |= POLLOUT;
    loop_watch(c->loop, fd, events, on_socket_ready, c);
    return 0;
}

static void on_timer(loop_t *loop, void *arg)
{
    http_client *c = arg;
    c->timer = 0;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect_finished(c);
}

/* curl asks for one timer; it is run from the loop, never from in here. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    http_client *c = userp;
    if (c->timer)
        loop_timer_cancel(c->loop, c->timer);
    c->timer = 0;
    if (timeout_ms >= 0)
        c->timer = loop_timer_add(c->loop, timeout_ms, on_timer, c);
    return 0;
}

http_client *http_client_new(loop_t *loop)
{
    static bool initialised;
    if (!initialised) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        initialised = true;
    }
    http_client *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->loop = loop;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        return NULL;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    while (c->requests)
        free_request(c->requests);
    if (c->timer)
        loop_timer_cancel(c->loop, c->timer);
    curl_multi_cleanup(c->multi);
    free(c);
}

void http_client_keep_connections(http_client *c, size_t n)
{
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)n);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    http_request *r = userp;
    size_t n = size * nmemb;
    if (r->body_len + n > r->max_bytes) {
        r->too_large = true;
        return 0; /* curl stops with a write error */
    }
    if (r->body_len + n + 1 > r->body_cap) {
        /* Doubling, not one realloc per piece: a 32 MiB page comes in
         * 16 KiB pieces, and growing by each would copy it 2,000 times
         * (and keep every old block in ASan's quarantine). */
        size_t cap = r->body_cap ? r->body_cap : 16384;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        if (cap > r->max_bytes + 1)
            cap = r->max_bytes + 1;
        char *grown = realloc(r->body, cap);
        if (!grown)
            return 0;
        r->body = grown;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static void set_options(http_request *r, const char *unix_socket, int timeout_ms)
{
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROXY, ""); /* never an environment proxy */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_bytes);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "opsdeck/" OPSDECK_VERSION);
    if (unix_socket)
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, unix_socket);
}

http_request *http_get(http_client *c, const char *url, const char *unix_socket, size_t max_bytes,
                       int timeout_ms, http_done_fn done, void *arg)
{
    http_request *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->easy = curl_easy_init();
    if (!r->easy || strlen(url) >= sizeof(r->url)) {
        curl_easy_cleanup(r->easy);
        free(r);
        return NULL;
    }
    r->client = c;
    snprintf(r->url, sizeof(r->url), "%s", url);
    r->done = done;
    r->arg = arg;
    r->max_bytes = max_bytes;
    set_options(r, unix_socket, timeout_ms);
    r->next = c->requests;
    if (c->requests)
        c->requests->prev = r;
    c->requests = r;
    if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
        free_request(r);
        return NULL;
    }
    return r;
}

void http_cancel(http_request *r)
{
    if (r)
        free_request(r);
}
