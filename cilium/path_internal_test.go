package cilium

import (
	"regexp"
	"testing"

	"github.com/netintent/netintent/policy"
)

// TestPathRegex checks that the rewritten regex, matched by the proxy against a whole
// request target, admits exactly the targets whose path the intent's regex admits: with
// and without a query or fragment, and with '?' or '#' where the intent's regex could
// otherwise consume them.
func TestPathRegex(t *testing.T) {
	exprs := []string{
		`/orders/[0-9]+`, `/api/v1/.*`, `/a|/b/.+`, `(?i)/Users/[^/]+`, `/a\?b`, `/a[#?x]`, `(?s:.*)`,
		`^/exact$`, `/x(?:$)`, `/p\z`, `/[[:punct:]]+`, `/a\b`, `/\Q?.*\E`, `(/a|/b)$`, `/a$|/b/c`, `/c/.*?`,
	}
	targets := []string{
		"/", "/orders/42", "/orders/42?page=2", "/orders/42#top", "/orders/x", "/orders/4?2",
		"/api/v1/", "/api/v1/products?x=1", "/api/v1/a#b?c", "/a", "/a?b", "/a#", "/ax", "/ax?y",
		"/b/", "/b/?", "/b/c?d", "/users/BOB", "/Users/bob?q", "/exact", "/exact?", "/exact#f",
		"/x", "/x?y", "/p", "/p?", "/!!", "/!?", "/a?", "/c/", "/c/d?e", "/?.*", "/?", "/#",
		"/ordersx", "/exactly",
	}
	for _, expr := range exprs {
		rewritten, err := pathRegex(expr)
		if err != nil {
			t.Errorf("pathRegex(%q): %v", expr, err)
			continue
		}
		proxy := regexp.MustCompile(`^(?:` + rewritten + `)$`)
		intent := policy.HTTPMatch{Path: expr, PathKind: policy.PathRegex}
		for _, target := range targets {
			want := intent.Matches(policy.HTTPRequest{Path: target})
			if got := proxy.MatchString(target); got != want {
				t.Errorf("regex %q as %q on target %q: proxy matches %v, intent %v", expr, rewritten, target, got, want)
			}
		}
	}
}

// TestPathRegexRefused lists regexes whose end-of-text assertion is not at their end: the
// proxy, which sees the query string, cannot tell the end of the path there.
func TestPathRegexRefused(t *testing.T) {
	for _, expr := range []string{`/a$/b`, `(/a$)*`, `/a$|/b$x`} {
		if got, err := pathRegex(expr); err == nil {
			t.Errorf("pathRegex(%q) = %q, want an error", expr, got)
		}
	}
}

// TestPathRegexReadable keeps the common regexes readable in the emitted objects.
func TestPathRegexReadable(t *testing.T) {
	for expr, want := range map[string]string{
		`/orders/[0-9]+`:   `/orders/[0-9]+(?:[?#].*)?`,
		`^/api/v1/users$`:  `\A/api/v1/users(?:[?#].*)?`,
		`/a|/c`:            `/[ac](?:[?#].*)?`,
		`/x/(?:y|zz)`:      `/x/(?:y|zz)(?:[?#].*)?`,
		`/reviews|/health`: `/(?:reviews|health)(?:[?#].*)?`,
		`/a.*|/b`:          `/(?:a[^\n#\?]*|b)(?:[?#].*)?`,
	} {
		if got, err := pathRegex(expr); err != nil || got != want {
			t.Errorf("pathRegex(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
}
