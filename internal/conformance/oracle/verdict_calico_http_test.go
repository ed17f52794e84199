package oracle

import (
	"errors"
	"testing"
)

// TestCalicoDecideHTTP judges requests with Calico's application layer checker: paths
// without their query string, prefixes, methods, and ports without HTTP rules.
func TestCalicoDecideHTTP(t *testing.T) {
	u := podNetUniverse()
	objs := calicoObjs(t, `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-http, namespace: production}
spec:
  selector: app == 'api-server'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'frontend'}
    destination: {ports: [8080]}
    http:
      methods: [GET]
      paths: [{exact: /orders}, {prefix: /static/}]
  - action: Allow
    protocol: TCP
    source: {selector: app == 'frontend'}
    destination: {ports: [9090]}
`)
	e := calicoEngine(t, objs, u)
	front, api, other := pod("production", "frontend"), pod("production", "api"), pod("production", "other")
	for _, c := range []struct {
		f            Flow
		method, path string
		want         bool
		why          string
	}{
		{tcp(front, api, 8080), "GET", "/orders", true, "exact path"},
		{tcp(front, api, 8080), "GET", "/orders?page=2", true, "exact path: the query string is not part of the path"},
		{tcp(front, api, 8080), "GET", "/orders#top", true, "exact path: nor is the fragment"},
		{tcp(front, api, 8080), "GET", "/orders/1", false, "exact path, longer request"},
		{tcp(front, api, 8080), "GET", "/order", false, "exact path, shorter request"},
		{tcp(front, api, 8080), "GET", "/static/app.js", true, "prefix"},
		{tcp(front, api, 8080), "GET", "/static", false, "shorter than the prefix"},
		{tcp(front, api, 8080), "POST", "/orders", false, "method mismatch"},
		{tcp(front, api, 8080), "get", "/orders", false, "methods are case-sensitive"},
		{tcp(front, api, 9090), "DELETE", "/anything", true, "port without HTTP rules: every request"},
		{tcp(other, api, 8080), "GET", "/orders", false, "source not selected: the connection is denied"},
		{tcp(other, api, 9090), "GET", "/orders", false, "source not selected"},
		{tcp(front, api, 7070), "GET", "/orders", false, "no rule for the port"},
	} {
		d, err := e.DecideHTTP(c.f, c.method, c.path)
		if err != nil {
			t.Errorf("%v %s %s: %v", c.f, c.method, c.path, err)
			continue
		}
		if d.Allowed != c.want {
			t.Errorf("%v %s %s: allowed=%v, want %v (%s)\n\tengine: %s", c.f, c.method, c.path, d.Allowed, c.want, c.why, d.Reason)
		}
		// At L4 the http match admits the connection.
		if l4, err := e.Decide(c.f); err != nil || (l4.Allowed != (c.f.Port != 7070 && c.f.From == front)) {
			t.Errorf("%v: Decide = %+v, %v", c.f, l4, err)
		}
	}

	for _, c := range []struct {
		f            Flow
		method, path string
	}{
		{tcp(api, ext("203.0.113.9"), 443), "GET", "/"},
		{tcp(front, api, 8080), "GET", "orders"},
	} {
		if _, err := e.DecideHTTP(c.f, c.method, c.path); !errors.Is(err, ErrCannotJudge) {
			t.Errorf("%v %s %s: want ErrCannotJudge, got %v", c.f, c.method, c.path, err)
		}
	}
}
