package policy

import (
	"strings"
)

// PathKind says how an HTTP path is matched.
type PathKind string

// The ways to match an HTTP path.
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
	// Path is matched according to PathKind; empty matches every path.
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
		switch m.PathKind {
		case PathPrefix:
			if len(r.Path) < len(m.Path) || r.Path[:len(m.Path)] != m.Path {
				return false
			}
		case PathRegex:
			re, err := compileCached(`^(?:` + m.Path + `)$`)
			if err != nil || !re.MatchString(r.Path) {
				return false
			}
		default:
			if r.Path != m.Path {
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
// sent (HTTP/2 :path), query string included: an exact path "/orders" does not admit
// "/orders?page=2", as in Cilium's proxy.
type HTTPRequest struct {
	Method  string
	Path    string
	Host    string
	Headers []Header
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
