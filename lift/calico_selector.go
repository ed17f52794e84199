package lift

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Calico's selector language (libcalico-go lib/selector) is parsed here rather than with
// Calico's own parser: that parser lives in the github.com/projectcalico/calico module,
// which builds only with its own replace directives (lib/std) and would pull Calico's
// whole dependency graph into every user of this package. The grammar is small: this
// parser follows libcalico-go's tokenizer and parser (the same tokens, "!" binding
// tighter than "&&", which binds tighter than "||") and refuses what it cannot turn into
// label selectors exactly.

// maxConjunctions bounds the disjunctive normal form of a selector: beyond it, the peers
// it would split into are refused rather than multiplied.
const maxConjunctions = 64

// selNode is a parsed Calico selector.
type selNode struct {
	kind     selKind
	children []*selNode
	// req is the requirement of a selTerm.
	req metav1.LabelSelectorRequirement
	// text is the source of a selUnsupported term.
	text string
}

type selKind int

const (
	selAll selKind = iota
	selTerm
	selNot
	selAnd
	selOr
	// selGlobal is global(): what has no namespace.
	selGlobal
	// selUnsupported is a string match (contains, starts with, ends with), which no label
	// selector expresses.
	selUnsupported
)

type selTokenKind int

const (
	tokEOF selTokenKind = iota
	tokLabel
	tokString
	tokLBrace
	tokRBrace
	tokComma
	tokEq
	tokNe
	tokIn
	tokNotIn
	tokNot
	tokContains
	tokStartsWith
	tokEndsWith
	tokAll
	tokGlobal
	tokHas
	tokLParen
	tokRParen
	tokAnd
	tokOr
)

type selToken struct {
	kind  selTokenKind
	value string
}

func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-'
}

// cutWord cuts the words (separated by blanks) off the front of s when they end at a word
// boundary, as libcalico-go's tokenizer does for its operators.
func cutWord(s string, words ...string) (string, bool) {
	rest := s
	for i, w := range words {
		var ok bool
		if rest, ok = strings.CutPrefix(rest, w); !ok {
			return s, false
		}
		if i < len(words)-1 {
			rest = strings.TrimLeft(rest, " \t")
		}
	}
	if rest != "" && isIdentChar(rest[0]) {
		return s, false
	}
	return rest, true
}

func cutIdent(s string) (string, string, error) {
	i := 0
	for i < len(s) && isIdentChar(s[i]) {
		i++
	}
	if i == 0 {
		return "", s, errors.New("expected a label")
	}
	return s[:i], s[i:], nil
}

func tokenize(s string) ([]selToken, error) {
	var out []selToken
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return append(out, selToken{kind: tokEOF}), nil
		}
		afterLabel := len(out) > 0 && out[len(out)-1].kind == tokLabel
		var ok bool
		switch c := s[0]; {
		case c == '(' || c == ')' || c == '{' || c == '}' || c == ',':
			out = append(out, selToken{kind: map[byte]selTokenKind{'(': tokLParen, ')': tokRParen, '{': tokLBrace, '}': tokRBrace, ',': tokComma}[c]})
			s = s[1:]
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[1:], c)
			if end < 0 {
				return nil, errors.New("unterminated string")
			}
			out = append(out, selToken{kind: tokString, value: s[1 : end+1]})
			s = s[end+2:]
		case strings.HasPrefix(s, "=="):
			out, s = append(out, selToken{kind: tokEq}), s[2:]
		case strings.HasPrefix(s, "!="):
			out, s = append(out, selToken{kind: tokNe}), s[2:]
		case c == '!':
			out, s = append(out, selToken{kind: tokNot}), s[1:]
		case strings.HasPrefix(s, "&&"):
			out, s = append(out, selToken{kind: tokAnd}), s[2:]
		case strings.HasPrefix(s, "||"):
			out, s = append(out, selToken{kind: tokOr}), s[2:]
		case afterLabel:
			for _, op := range []struct {
				kind  selTokenKind
				words []string
			}{{tokContains, []string{"contains"}}, {tokStartsWith, []string{"starts", "with"}}, {tokEndsWith, []string{"ends", "with"}},
				{tokNotIn, []string{"not", "in"}}, {tokIn, []string{"in"}}} {
				if s, ok = cutWord(s, op.words...); ok {
					out = append(out, selToken{kind: op.kind})
					break
				}
			}
			if !ok {
				return nil, fmt.Errorf("expected an operator after label %q", out[len(out)-1].value)
			}
		default:
			for _, fn := range []struct {
				kind selTokenKind
				name string
			}{{tokHas, "has("}, {tokAll, "all("}, {tokGlobal, "global("}} {
				rest, found := strings.CutPrefix(s, fn.name)
				if !found {
					continue
				}
				ok = true
				rest = strings.TrimLeft(rest, " \t")
				var ident string
				if fn.kind == tokHas {
					var err error
					if ident, rest, err = cutIdent(rest); err != nil {
						return nil, err
					}
					rest = strings.TrimLeft(rest, " \t")
				}
				if rest, found = strings.CutPrefix(rest, ")"); !found {
					return nil, fmt.Errorf("no closing ')' after %s", fn.name)
				}
				out, s = append(out, selToken{kind: fn.kind, value: ident}), rest
				break
			}
			if !ok {
				ident, rest, err := cutIdent(s)
				if err != nil {
					return nil, fmt.Errorf("unexpected character %q", s[0])
				}
				out, s = append(out, selToken{kind: tokLabel, value: ident}), rest
			}
		}
	}
}

// parseSelector parses a Calico selector; the empty selector is all().
func parseSelector(s string) (*selNode, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if toks[0].kind == tokEOF {
		return &selNode{kind: selAll}, nil
	}
	n, rest, err := parseOr(toks)
	if err != nil {
		return nil, err
	}
	if rest[0].kind != tokEOF {
		return nil, errors.New("unexpected content at the end of the selector")
	}
	return n, nil
}

func parseOr(toks []selToken) (*selNode, []selToken, error) {
	return parseList(toks, tokOr, selOr, func(t []selToken) (*selNode, []selToken, error) {
		return parseList(t, tokAnd, selAnd, parseOperation)
	})
}

func parseList(toks []selToken, sep selTokenKind, kind selKind, next func([]selToken) (*selNode, []selToken, error)) (*selNode, []selToken, error) {
	n, toks, err := next(toks)
	if err != nil {
		return nil, nil, err
	}
	out := []*selNode{n}
	for toks[0].kind == sep {
		if n, toks, err = next(toks[1:]); err != nil {
			return nil, nil, err
		}
		out = append(out, n)
	}
	if len(out) == 1 {
		return out[0], toks, nil
	}
	return &selNode{kind: kind, children: out}, toks, nil
}

func parseOperation(toks []selToken) (*selNode, []selToken, error) {
	negated := false
	for toks[0].kind == tokNot {
		negated = !negated
		toks = toks[1:]
	}
	var n *selNode
	switch t := toks[0]; t.kind {
	case tokHas:
		n, toks = &selNode{kind: selTerm, req: metav1.LabelSelectorRequirement{Key: t.value, Operator: metav1.LabelSelectorOpExists}}, toks[1:]
	case tokAll:
		n, toks = &selNode{kind: selAll}, toks[1:]
	case tokGlobal:
		n, toks = &selNode{kind: selGlobal}, toks[1:]
	case tokLParen:
		var err error
		if n, toks, err = parseOr(toks[1:]); err != nil {
			return nil, nil, err
		}
		if toks[0].kind != tokRParen {
			return nil, nil, errors.New("expected )")
		}
		toks = toks[1:]
	case tokLabel:
		if len(toks) < 3 {
			return nil, nil, errors.New("unexpected end of the selector")
		}
		key := t.value
		switch op := toks[1].kind; op {
		case tokEq, tokNe, tokContains, tokStartsWith, tokEndsWith:
			if toks[2].kind != tokString {
				return nil, nil, errors.New("expected a string")
			}
			v := toks[2].value
			switch op {
			case tokEq:
				n = &selNode{kind: selTerm, req: metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpIn, Values: []string{v}}}
			case tokNe:
				n = &selNode{kind: selTerm, req: metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpNotIn, Values: []string{v}}}
			default:
				word := map[selTokenKind]string{tokContains: "contains", tokStartsWith: "starts with", tokEndsWith: "ends with"}[op]
				n = &selNode{kind: selUnsupported, text: fmt.Sprintf("%s %s %q", key, word, v)}
			}
			toks = toks[3:]
		case tokIn, tokNotIn:
			op := metav1.LabelSelectorOpIn
			if toks[1].kind == tokNotIn {
				op = metav1.LabelSelectorOpNotIn
			}
			if toks[2].kind != tokLBrace {
				return nil, nil, errors.New("expected a set literal")
			}
			toks = toks[3:]
			var values []string
			for toks[0].kind == tokString {
				values = append(values, toks[0].value)
				toks = toks[1:]
				if toks[0].kind != tokComma {
					break
				}
				toks = toks[1:]
			}
			if toks[0].kind != tokRBrace {
				return nil, nil, errors.New("expected }")
			}
			toks = toks[1:]
			slices.Sort(values)
			values = slices.Compact(values)
			n = &selNode{kind: selTerm, req: metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}}
		default:
			return nil, nil, fmt.Errorf("expected an operator after label %q", key)
		}
	default:
		return nil, nil, errors.New("unexpected token")
	}
	if negated {
		n = &selNode{kind: selNot, children: []*selNode{n}}
	}
	return n, toks, nil
}

// conjunction is a conjunction of label requirements; dnf is a disjunction of them.
type conjunction []metav1.LabelSelectorRequirement

// dnf returns the disjunctive normal form of n (negated when neg): a list of
// conjunctions, none for a selector matching nothing, one empty conjunction for all().
// Contradictory conjunctions are dropped. global() is global, for the caller to place;
// string matches are an error.
func (n *selNode) dnf(neg bool, global metav1.LabelSelectorRequirement) ([]conjunction, error) {
	switch n.kind {
	case selAll:
		if neg {
			return nil, nil
		}
		return []conjunction{{}}, nil
	case selGlobal:
		return (&selNode{kind: selTerm, req: global}).dnf(neg, global)
	case selUnsupported:
		return nil, fmt.Errorf("%s: string matches have no label selector equivalent", n.text)
	case selTerm:
		r := *n.req.DeepCopy()
		if neg {
			r.Operator = map[metav1.LabelSelectorOperator]metav1.LabelSelectorOperator{
				metav1.LabelSelectorOpIn: metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpNotIn: metav1.LabelSelectorOpIn,
				metav1.LabelSelectorOpExists: metav1.LabelSelectorOpDoesNotExist, metav1.LabelSelectorOpDoesNotExist: metav1.LabelSelectorOpExists,
			}[r.Operator]
		}
		switch {
		case r.Operator == metav1.LabelSelectorOpIn && len(r.Values) == 0:
			return nil, nil // in {} matches nothing
		case r.Operator == metav1.LabelSelectorOpNotIn && len(r.Values) == 0:
			return []conjunction{{}}, nil
		}
		return []conjunction{{r}}, nil
	case selNot:
		return n.children[0].dnf(!neg, global)
	}
	// An and, or a negated or (De Morgan), multiplies its children's forms; an or, or a
	// negated and, adds them.
	product := (n.kind == selAnd) != neg
	var out []conjunction
	if product {
		out = []conjunction{{}}
	}
	for _, c := range n.children {
		d, err := c.dnf(neg, global)
		if err != nil {
			return nil, err
		}
		if !product {
			out = append(out, d...)
		} else {
			var next []conjunction
			for _, a := range out {
				for _, b := range d {
					if x, ok := conjoin(a, b); ok {
						next = append(next, x)
					}
				}
			}
			out = next
		}
		if len(out) > maxConjunctions {
			return nil, fmt.Errorf("splits into more than %d alternatives", maxConjunctions)
		}
	}
	return out, nil
}

// conjoin is a && b, or false when they contradict each other.
func conjoin(a, b conjunction) (conjunction, bool) {
	out := append(append(conjunction{}, a...), b...)
	for i, x := range out {
		for _, y := range out[i+1:] {
			if x.Key == y.Key && contradicts(x, y) {
				return nil, false
			}
		}
	}
	return out, true
}

// contradicts reports whether no label set satisfies both requirements on one key.
func contradicts(x, y metav1.LabelSelectorRequirement) bool {
	// Ordered by operator: DoesNotExist, Exists, In, NotIn.
	if x.Operator > y.Operator {
		x, y = y, x
	}
	switch {
	case x.Operator == metav1.LabelSelectorOpDoesNotExist:
		return y.Operator == metav1.LabelSelectorOpExists || y.Operator == metav1.LabelSelectorOpIn
	case x.Operator == metav1.LabelSelectorOpIn && y.Operator == metav1.LabelSelectorOpIn:
		return !slices.ContainsFunc(x.Values, func(v string) bool { return slices.Contains(y.Values, v) })
	case x.Operator == metav1.LabelSelectorOpIn && y.Operator == metav1.LabelSelectorOpNotIn:
		return !slices.ContainsFunc(x.Values, func(v string) bool { return !slices.Contains(y.Values, v) })
	}
	return false
}

// take removes the requirements of c that f reports, returning them and the rest.
func (c conjunction) take(f func(metav1.LabelSelectorRequirement) bool) (taken, rest conjunction) {
	for _, r := range c {
		if f(r) {
			taken = append(taken, r)
		} else {
			rest = append(rest, r)
		}
	}
	return taken, rest
}

// labelSelector renders c as a label selector: equalities as matchLabels, the rest as
// matchExpressions, sorted.
func (c conjunction) labelSelector() metav1.LabelSelector {
	var out metav1.LabelSelector
	for _, r := range c {
		if r.Operator == metav1.LabelSelectorOpIn && len(r.Values) == 1 {
			if v, ok := out.MatchLabels[r.Key]; !ok || v == r.Values[0] {
				if out.MatchLabels == nil {
					out.MatchLabels = map[string]string{}
				}
				out.MatchLabels[r.Key] = r.Values[0]
				continue
			}
		}
		out.MatchExpressions = append(out.MatchExpressions, r)
	}
	slices.SortFunc(out.MatchExpressions, func(a, b metav1.LabelSelectorRequirement) int {
		return strings.Compare(a.Key+"\x00"+string(a.Operator)+"\x00"+strings.Join(a.Values, ","),
			b.Key+"\x00"+string(b.Operator)+"\x00"+strings.Join(b.Values, ","))
	})
	out.MatchExpressions = slices.CompactFunc(out.MatchExpressions, func(a, b metav1.LabelSelectorRequirement) bool {
		return a.Key == b.Key && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
	})
	return out
}
