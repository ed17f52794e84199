package golden

import (
	"fmt"
	"strings"
)

const (
	// diffContext is the number of unchanged lines shown around each change, as in diff -u.
	diffContext = 3
	// maxDiffLines bounds the diff shown in a failure: the first differences are enough
	// to see what changed, and the full diff is a `go test ./... -update && git diff` away.
	maxDiffLines = 60
	// maxLCSCells bounds the memory of the line matching (4 bytes a cell). Beyond it, the
	// changed region is shown as removed then added, which still points at the first change.
	maxLCSCells = 1 << 22
)

// edit is one line of a diff: op is ' ' (in both), '-' (only in a) or '+' (only in b).
type edit struct {
	op   byte
	line string
}

// diff returns a unified-style diff from a to b, named aName and bName, cut after
// maxDiffLines lines.
func diff(aName, bName string, a, b []byte) string {
	edits := diffLines(lines(string(a)), lines(string(b)))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	shown := 0
	for start := 0; start < len(edits); {
		first := nextChange(edits, start)
		if first == len(edits) {
			break
		}
		// Extend the hunk over changes whose gap is small enough to share context.
		last := first
		for {
			next := nextChange(edits, last+1)
			if next == len(edits) || next-last > 2*diffContext {
				break
			}
			last = next
		}
		lo, hi := max(first-diffContext, 0), min(last+diffContext+1, len(edits))
		aLine, bLine := position(edits[:lo])
		aCount, bCount := position(edits[lo:hi])
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aLine, aCount), hunkRange(bLine, bCount))
		for _, e := range edits[lo:hi] {
			if shown == maxDiffLines {
				out.WriteString("... (diff cut short)\n")
				return out.String()
			}
			out.WriteByte(e.op)
			out.WriteString(e.line)
			if !strings.HasSuffix(e.line, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
			shown++
		}
		start = hi
	}
	return out.String()
}

// lines splits s after each newline; a last line without newline is kept as is.
func lines(s string) []string {
	var ls []string
	for l := range strings.Lines(s) {
		ls = append(ls, l)
	}
	return ls
}

// diffLines is a shortest edit script from a to b: common prefix and suffix, and between
// them a longest-common-subsequence match when it fits in maxLCSCells.
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	edits := make([]edit, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		edits = append(edits, edit{' ', l})
	}
	edits = append(edits, lcsEdits(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		edits = append(edits, edit{' ', l})
	}
	return edits
}

// lcsEdits matches a and b by longest common subsequence, or, for inputs too large for
// that, removes all of a and adds all of b.
func lcsEdits(a, b []string) []edit {
	var edits []edit
	if (len(a)+1)*(len(b)+1) > maxLCSCells {
		for _, l := range a {
			edits = append(edits, edit{'-', l})
		}
		for _, l := range b {
			edits = append(edits, edit{'+', l})
		}
		return edits
	}
	// lcs[i*w+j] is the length of the longest common subsequence of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			edits = append(edits, edit{' ', a[i]})
			i++
			j++
		case j == len(b) || i < len(a) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			edits = append(edits, edit{'-', a[i]})
			i++
		default:
			edits = append(edits, edit{'+', b[j]})
			j++
		}
	}
	return edits
}

// nextChange is the index of the first edit at or after i that is not an unchanged line,
// or len(edits).
func nextChange(edits []edit, i int) int {
	for i < len(edits) && edits[i].op == ' ' {
		i++
	}
	return i
}

// position counts the lines of a and of b that edits cover.
func position(edits []edit) (aLines, bLines int) {
	for _, e := range edits {
		if e.op != '+' {
			aLines++
		}
		if e.op != '-' {
			bLines++
		}
	}
	return aLines, bLines
}

// hunkRange formats a hunk's line range as diff -u does: the 1-based first line and the
// count, or for an empty range the line after which it sits.
func hunkRange(before, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", before)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}
