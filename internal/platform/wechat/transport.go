package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/silenceper/wechat/v2/util"
)

// How requests of silenceper/wechat reach BaseURL.
//
// The library builds every URL from constants naming api.weixin.qq.com and
// sends all requests through one package-level client, util.DefaultHTTPClient
// (there is no per-instance client). Its other hook, util.SetURIModifier, is
// a package-level function as well. So a per-instance BaseURL and
// *http.Client cannot be passed to the library directly.
//
// This package replaces util.DefaultHTTPClient once, at program start (in
// init, before any goroutine can use the library), with a client whose
// transport is a router. Each MiniProgram call puts a route (its BaseURL, its
// own *http.Client and a record of the exchange) into the context it hands to
// the library's ...Context methods; the router rewrites scheme, host and path
// prefix of api.weixin.qq.com requests to that BaseURL and sends them with
// that client. Requests without a route (library calls made elsewhere, or its
// methods that take no context) go through the client that was installed
// before, exactly as if this package were not linked.
//
// The router also records the HTTP status and the errcode of the last
// exchange of a call, so errors are built from those facts rather than from
// the library's error strings, which embed the full URL including the app
// secret and the code.

// libraryHost is the host silenceper/wechat puts in every URL it builds.
const libraryHost = "api.weixin.qq.com"

// maxPeek is the largest response body the router inspects for an errcode.
const maxPeek = 64 << 10

func init() {
	util.DefaultHTTPClient = &http.Client{Transport: &router{fallback: util.DefaultHTTPClient}}
}

// routingInstalled reports whether util.DefaultHTTPClient is still the
// router, i.e. nobody replaced it after start.
func routingInstalled() bool {
	c := util.DefaultHTTPClient
	if c == nil {
		return false
	}
	_, ok := c.Transport.(*router)
	return ok
}

type routeKey struct{}

// route tells the router where the requests of one call go.
type route struct {
	base   *url.URL
	client *http.Client
	rec    *exchange
}

// exchange records the outcome of the last HTTP exchange of one call.
type exchange struct {
	mu       sync.Mutex
	endpoint string // path as known to WeChat, without the BaseURL prefix
	status   int
	errCode  int64
	errMsg   string
	err      error // transport error, with any URL stripped
}

type exchangeFacts struct {
	endpoint string
	status   int
	errCode  int64
	errMsg   string
	err      error
}

func (x *exchange) begin(endpoint string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.endpoint, x.status, x.errCode, x.errMsg, x.err = endpoint, 0, 0, "", nil
}

func (x *exchange) set(f func(*exchange)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f(x)
}

func (x *exchange) facts() exchangeFacts {
	x.mu.Lock()
	defer x.mu.Unlock()
	return exchangeFacts{endpoint: x.endpoint, status: x.status, errCode: x.errCode, errMsg: x.errMsg, err: x.err}
}

// router is the transport of the library's package-level client.
type router struct {
	fallback *http.Client
}

// RoundTrip implements http.RoundTripper.
func (rt *router) RoundTrip(req *http.Request) (*http.Response, error) {
	r, ok := req.Context().Value(routeKey{}).(*route)
	if !ok {
		return rt.fallback.Do(req)
	}
	out := req.Clone(req.Context())
	endpoint := out.URL.Path
	if strings.EqualFold(out.URL.Hostname(), libraryHost) {
		out.URL.Scheme = r.base.Scheme
		out.URL.Host = r.base.Host
		out.URL.Path = strings.TrimSuffix(r.base.Path, "/") + out.URL.Path
		out.URL.RawPath = ""
		out.Host = ""
	}
	r.rec.begin(endpoint)

	resp, err := r.client.Do(out)
	if err != nil {
		stripped := stripURL(err)
		r.rec.set(func(x *exchange) { x.err = stripped })
		return nil, stripped
	}
	r.rec.set(func(x *exchange) { x.status = resp.StatusCode })
	if resp.StatusCode != http.StatusOK {
		return resp, nil
	}

	head, err := io.ReadAll(io.LimitReader(resp.Body, maxPeek+1))
	if err != nil {
		_ = resp.Body.Close()
		stripped := stripURL(err)
		r.rec.set(func(x *exchange) { x.err = stripped })
		return nil, stripped
	}
	if len(head) <= maxPeek {
		var body struct {
			ErrCode int64  `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(head, &body) == nil && body.ErrCode != 0 {
			r.rec.set(func(x *exchange) { x.errCode, x.errMsg = body.ErrCode, body.ErrMsg })
		}
	}
	resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// stripURL removes every *url.Error layer from err, keeping their causes:
// the URLs of the library's requests carry the app secret, access token and
// code in their query.
func stripURL(err error) error {
	for {
		var ue *url.Error
		if !errors.As(err, &ue) {
			return err
		}
		if ue.Err == nil {
			return errors.New(strings.ToLower(ue.Op) + " request failed")
		}
		err = ue.Err
	}
}
