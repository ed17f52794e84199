package policy

import (
	"strings"
)

// PathKind says how an HTTP path is matched.
type PathKind string

// The ways to match an HTTP path. Every kind is matched against the request's path
// without its query string and fragment (RequestPath): "/orders" admits "/orders?page=2",
// as in Gateway API, Istio and Calico's application layer policy.
const (
	// PathExact matches the path exactly.
	PathExact PathKind = "Exact"
	// PathPrefix matches paths that start with the given prefix.
	PathPrefix PathKind = "Prefix"
	// PathRegex matches paths that the RE2 regular expression matches in full (it is
	// anchored at both ends, as in Cilium).
	PathRegex PathKind = "Regex"
)

// HTTPMatch admits HTTP requests matching every set field. Empty fields match anything.
type HTTPMatch struct {
	// Method is an HTTP method such as GET or POST; empty matches every method.
	Method string
	// Path is matched according to PathKind against the request's path without its query
	// string and fragment; empty matches every path. Exact and prefix paths therefore hold
	// no '?' or '#'.
	Path string
	// PathKind says how Path matches; empty means PathExact.
	PathKind PathKind
	// Host is the exact host (":authority") the request must name; empty matches any.
	Host string
	// Headers the request must carry, each with exactly this value.
	Headers []Header
}

// Header is an HTTP header name and its exact value.
type Header struct {
	Name  string
	Value string
}

// Matches reports whether a request is admitted by m. Header names compare
// case-insensitively, values exactly.
func (m HTTPMatch) Matches(r HTTPRequest) bool {
	if m.Method != "" && m.Method != r.Method {
		return false
	}
	if m.Path != "" {
		path := RequestPath(r.Path)
		switch m.PathKind {
		case PathPrefix:
			if !strings.HasPrefix(path, m.Path) {
				return false
			}
		case PathRegex:
			re, err := compileCached(`^(?:` + m.Path + `)$`)
			if err != nil || !re.MatchString(path) {
				return false
			}
		default:
			if path != m.Path {
				return false
			}
		}
	}
	if m.Host != "" && m.Host != r.Host {
		return false
	}
	for _, h := range m.Headers {
		if !r.hasHeader(h) {
			return false
		}
	}
	return true
}

// HTTPRequest is the L7 part of a flow: one HTTP request. Path is the request target as
// sent (HTTP/2 :path), query string included; path matches judge RequestPath(Path).
type HTTPRequest struct {
	Method  string
	Path    string
	Host    string
	Headers []Header
}

// RequestPath returns the path of a request target: what precedes its first '?' (the
// query string) or '#' (a fragment, which clients should not send). It is what every
// HTTPMatch path is matched against, and what Calico's application layer policy matches
// (app-policy/checker strips both); Cilium's proxy matches the whole target, so the
// Cilium backend writes its regexes to admit any query after the path.
func RequestPath(target string) string {
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		return target[:i]
	}
	return target
}

func (r HTTPRequest) hasHeader(h Header) bool {
	for _, have := range r.Headers {
		if strings.EqualFold(have.Name, h.Name) && have.Value == h.Value {
			return true
		}
	}
	return false
}

// GRPCPath returns the HTTP/2 path of a gRPC method: "/<service>/<method>". service is the
// fully qualified service name ("shop.v1.Orders").
func GRPCPath(service, method string) string { return "/" + service + "/" + method }
