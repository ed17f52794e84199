package render

import (
	"bytes"
	"unicode/utf8"
)

// This file is the part of yaml.v2's emitter (emitterc.go) that writes JSON values in block
// style, ported function by function; see yaml.go.

// A scalarStyle is one of the scalar styles of yaml.v2's emitter that JSON values can get;
// the encoder never requests the folded style.
type scalarStyle uint8

const (
	stylePlain scalarStyle = iota
	styleSingleQuoted
	styleDoubleQuoted
	styleLiteral
)

// yamlEmitter is the state of yaml.v2's yaml_emitter_t that block-style output of JSON values
// uses, with the same names. Scalars are never written in flow context: the only flow
// collections are the empty ones.
type yamlEmitter struct {
	out        []byte
	width      int // best_width; best_indent is 2
	column     int
	indent     int
	indents    []int
	whitespace bool // the last character written is a space or the line start
	indention  bool // only indentation has been written on the line

	mappingContext, simpleKeyContext bool

	// yaml_emitter_analyze_scalar's findings for the scalar about to be written.
	multiline, blockPlainAllowed, singleQuotedAllowed, blockAllowed bool
}

func (e *yamlEmitter) put(c byte) {
	e.out = append(e.out, c)
	e.column++
}

func (e *yamlEmitter) putBreak() {
	e.out = append(e.out, '\n')
	e.column = 0
}

// write copies the character at s[i] and returns the index of the next one.
func (e *yamlEmitter) write(s []byte, i int) int {
	w := width(s[i])
	e.out = append(e.out, s[i:i+w]...)
	e.column++
	return i + w
}

func (e *yamlEmitter) writeBreak(s []byte, i int) int {
	if s[i] == '\n' {
		e.putBreak()
		return i + 1
	}
	i = e.write(s, i)
	e.column = 0
	return i
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = 2
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += 2
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || e.column == indent && !e.whitespace {
		e.putBreak()
	}
	for e.column < indent { // spaces appended in blocks rather than one by one
		n := min(indent-e.column, len(spaces))
		e.out = append(e.out, spaces[:n]...)
		e.column += n
	}
	e.whitespace = true
	e.indention = true
}

const spaces = "                                                                "

func (e *yamlEmitter) writeIndicator(indicator string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.out = append(e.out, indicator...)
	e.column += len(indicator)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

// analyzeScalar is yaml_emitter_analyze_scalar, keeping what block context needs.
func (e *yamlEmitter) analyzeScalar(value []byte) {
	if len(value) == 0 {
		e.multiline, e.blockPlainAllowed, e.singleQuotedAllowed, e.blockAllowed = false, true, true, false
		return
	}
	if printableASCII(value) {
		leadingSpace, trailingSpace := value[0] == ' ', value[len(value)-1] == ' '
		e.multiline, e.singleQuotedAllowed, e.blockAllowed = false, true, !trailingSpace
		e.blockPlainAllowed = !leadingSpace && !trailingSpace && !asciiIndicators(value)
		return
	}
	var (
		blockIndicators, lineBreaks, specialCharacters           bool
		leadingSpace, leadingBreak, trailingSpace, trailingBreak bool
		breakSpace, spaceBreak, previousSpace, previousBreak     bool
		precededByWhitespace, followedByWhitespace               bool
	)
	if len(value) >= 3 && (value[0] == '-' && value[1] == '-' && value[2] == '-' || value[0] == '.' && value[1] == '.' && value[2] == '.') {
		blockIndicators = true
	}
	precededByWhitespace = true
	for i, w := 0, 0; i < len(value); i += w {
		w = width(value[i])
		followedByWhitespace = i+w >= len(value) || isBlank(value, i+w)
		if i == 0 {
			switch value[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':', '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch value[i] {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		if !isPrintable(value, i) {
			specialCharacters = true
		}
		switch {
		case value[i] == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(value) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		case isBreak(value, i):
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(value) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = isBlankz(value, i)
	}
	e.multiline = lineBreaks
	e.blockPlainAllowed, e.singleQuotedAllowed, e.blockAllowed = true, true, true
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators {
		e.blockPlainAllowed = false
	}
	if trailingSpace {
		e.blockAllowed = false
	}
	if breakSpace {
		e.blockPlainAllowed, e.singleQuotedAllowed = false, false
	}
	if spaceBreak || specialCharacters {
		e.blockPlainAllowed, e.singleQuotedAllowed, e.blockAllowed = false, false, false
	}
}

// printableASCII reports whether value is only ASCII from ' ' to '~': no line breaks or
// characters that are not printable, so that yaml_emitter_analyze_scalar finds nothing but
// (perhaps) block indicators and leading or trailing spaces.
func printableASCII(value []byte) bool {
	for _, c := range value {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// asciiIndicators is yaml_emitter_analyze_scalar's block_indicators for a non-empty value
// for which printableASCII holds: the only whitespace is ' ', which is also the only
// character of is_blankz.
func asciiIndicators(value []byte) bool {
	if len(value) >= 3 && (value[0] == '-' && value[1] == '-' && value[2] == '-' || value[0] == '.' && value[1] == '.' && value[2] == '.') {
		return true
	}
	switch value[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return true
	case '?', ':', '-':
		if len(value) == 1 || value[1] == ' ' {
			return true
		}
	}
	for i := 1; i < len(value); i++ {
		switch value[i] {
		case ':':
			if i+1 == len(value) || value[i+1] == ' ' {
				return true
			}
		case '#':
			if value[i-1] == ' ' {
				return true
			}
		}
	}
	return false
}

// scalar is yaml_emitter_emit_scalar for an analyzed scalar whose encoder requested style,
// with yaml_emitter_select_scalar_style's choice of the style actually written. Two of its
// rules never apply here: multi-line keys are not simple keys (so a simple key is never
// forced into double quotes), and an empty scalar is never requested plain (it resolves to
// null, so stringv quotes it).
func (e *yamlEmitter) scalar(value []byte, style scalarStyle) {
	if style == stylePlain && !e.blockPlainAllowed {
		style = styleSingleQuoted
	}
	if style == styleSingleQuoted && !e.singleQuotedAllowed {
		style = styleDoubleQuoted
	}
	if style == styleLiteral && (!e.blockAllowed || e.simpleKeyContext) {
		style = styleDoubleQuoted
	}
	e.increaseIndent(true, false)
	allowBreaks := !e.simpleKeyContext
	switch style {
	case stylePlain:
		e.writePlainScalar(value, allowBreaks)
	case styleSingleQuoted:
		e.writeSingleQuotedScalar(value, allowBreaks)
	case styleDoubleQuoted:
		e.writeDoubleQuotedScalar(value, allowBreaks)
	case styleLiteral:
		e.writeLiteralScalar(value)
	}
	e.popIndent()
}

// writePlainScalar is yaml_emitter_write_plain_scalar. Plain scalars have no line breaks
// and do not end in a space (analyzeScalar), so its line-break branch is left out.
func (e *yamlEmitter) writePlainScalar(value []byte, allowBreaks bool) {
	if !e.whitespace {
		e.put(' ')
	}
	// Nothing to fold when value has no space, or when it ends before the column past which
	// spaces become line breaks: copy it at once. It has a character other than spaces (it
	// does not start with one), after which indention is false.
	if n := utf8.RuneCount(value); !allowBreaks || e.column+n <= e.width || bytes.IndexByte(value, ' ') < 0 {
		e.out = append(e.out, value...)
		e.column += n
		e.whitespace = false
		e.indention = false
		return
	}
	spaces := false
	for i := 0; i < len(value); {
		if value[i] == ' ' {
			if allowBreaks && !spaces && e.column > e.width && (i+1 == len(value) || value[i+1] != ' ') {
				e.writeIndent()
				i++
			} else {
				i = e.write(value, i)
			}
			spaces = true
		} else {
			i = e.write(value, i)
			e.indention = false
			spaces = false
		}
	}
	e.whitespace = false
	e.indention = false
}

func (e *yamlEmitter) writeSingleQuotedScalar(value []byte, allowBreaks bool) {
	e.writeIndicator("'", true, false, false)
	spaces, breaks := false, false
	for i := 0; i < len(value); {
		switch {
		case value[i] == ' ':
			if allowBreaks && !spaces && e.column > e.width && i > 0 && i < len(value)-1 && value[i+1] != ' ' {
				e.writeIndent()
				i++
			} else {
				i = e.write(value, i)
			}
			spaces = true
		case isBreak(value, i):
			if !breaks && value[i] == '\n' {
				e.putBreak()
			}
			i = e.writeBreak(value, i)
			e.indention = true
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			if value[i] == '\'' {
				e.put('\'')
			}
			i = e.write(value, i)
			e.indention = false
			spaces, breaks = false, false
		}
	}
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

const upperHex = "0123456789ABCDEF"

func (e *yamlEmitter) writeDoubleQuotedScalar(value []byte, allowBreaks bool) {
	// yaml.v2's is_bom looks at the start of the value whatever the index it is given, so a
	// value starting with U+FEFF has all its characters escaped.
	bom := bytes.HasPrefix(value, []byte("\xEF\xBB\xBF"))
	spaces := false
	e.writeIndicator(`"`, true, false, false)
	for i := 0; i < len(value); {
		switch {
		case !isPrintable(value, i) || bom || isBreak(value, i) || value[i] == '"' || value[i] == '\\':
			v, w := utf8.DecodeRune(value[i:])
			i += w
			e.put('\\')
			switch v {
			case 0x00:
				e.put('0')
			case 0x07:
				e.put('a')
			case 0x08:
				e.put('b')
			case 0x09:
				e.put('t')
			case 0x0A:
				e.put('n')
			case 0x0b:
				e.put('v')
			case 0x0c:
				e.put('f')
			case 0x0d:
				e.put('r')
			case 0x1b:
				e.put('e')
			case 0x22:
				e.put('"')
			case 0x5c:
				e.put('\\')
			case 0x85:
				e.put('N')
			case 0xA0:
				e.put('_')
			case 0x2028:
				e.put('L')
			case 0x2029:
				e.put('P')
			default:
				digits := 8
				switch {
				case v <= 0xFF:
					e.put('x')
					digits = 2
				case v <= 0xFFFF:
					e.put('u')
					digits = 4
				default:
					e.put('U')
				}
				for k := (digits - 1) * 4; k >= 0; k -= 4 {
					e.put(upperHex[(v>>uint(k))&0x0F])
				}
			}
			spaces = false
		case value[i] == ' ':
			if allowBreaks && !spaces && e.column > e.width && i > 0 && i < len(value)-1 {
				e.writeIndent()
				if value[i+1] == ' ' {
					e.put('\\')
				}
				i++
			} else {
				i = e.write(value, i)
			}
			spaces = true
		default:
			i = e.write(value, i)
			spaces = false
		}
	}
	e.writeIndicator(`"`, false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeLiteralScalar is yaml_emitter_write_literal_scalar with
// yaml_emitter_write_block_scalar_hints. Literal scalars contain a "\n" (stringv), so they
// are not empty.
func (e *yamlEmitter) writeLiteralScalar(value []byte) {
	e.writeIndicator("|", true, false, false)
	if value[0] == ' ' || isBreak(value, 0) {
		e.writeIndicator("2", false, false, false) // best_indent
	}
	var chomp string
	i := len(value) - 1
	for value[i]&0xC0 == 0x80 {
		i--
	}
	switch {
	case !isBreak(value, i):
		chomp = "-"
	case i == 0:
		chomp = "+"
	default:
		i--
		for value[i]&0xC0 == 0x80 {
			i--
		}
		if isBreak(value, i) {
			chomp = "+"
		}
	}
	if chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
	e.putBreak()
	e.indention = true
	e.whitespace = true
	breaks := true
	for i := 0; i < len(value); {
		if isBreak(value, i) {
			i = e.writeBreak(value, i)
			e.indention = true
			breaks = true
		} else {
			if breaks {
				e.writeIndent()
			}
			i = e.write(value, i)
			e.indention = false
			breaks = false
		}
	}
}

// The character classes of yaml.v2's yamlprivateh.go, for valid UTF-8.

// width is the length of the UTF-8 sequence that starts with b.
func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	}
	return 4
}

// isPrintable is yaml.v2's is_printable: it counts tabs, carriage returns, NEL, U+FEFF,
// U+FFFE, U+FFFF and every character beyond U+FFFF as not printable.
func isPrintable(b []byte, i int) bool {
	return b[i] == 0x0A ||
		b[i] >= 0x20 && b[i] <= 0x7E ||
		b[i] == 0xC2 && b[i+1] >= 0xA0 ||
		b[i] > 0xC2 && b[i] < 0xED ||
		b[i] == 0xED && b[i+1] < 0xA0 ||
		b[i] == 0xEE ||
		b[i] == 0xEF && !(b[i+1] == 0xBB && b[i+2] == 0xBF) && !(b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF))
}

func isBlank(b []byte, i int) bool {
	return b[i] == ' ' || b[i] == '\t'
}

// isBreak reports whether b[i:] starts with CR, LF, NEL, LS or PS.
func isBreak(b []byte, i int) bool {
	return b[i] == '\r' || b[i] == '\n' ||
		b[i] == 0xC2 && b[i+1] == 0x85 ||
		b[i] == 0xE2 && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9)
}

func isBlankz(b []byte, i int) bool {
	return isBlank(b, i) || isBreak(b, i) || b[i] == 0
}
