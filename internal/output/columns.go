package output

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Sources holds the text of the input files, by the name their locations use. A finding's location
// counts its column in bytes; SARIF counts UTF-16 code units and GitHub counts characters, which
// differ from bytes on a line with non-ASCII text before the column. The renderers count the line's
// text again in their unit. A nil *Sources, or a file it does not hold, leaves columns in bytes.
type Sources struct {
	files map[string]*sourceText
}

type sourceText struct {
	text  []byte
	lines []int // offsets at which each line starts
}

// Add records the text of the file that locations name file.
func (s *Sources) Add(file string, text []byte) {
	if s.files == nil {
		s.files = map[string]*sourceText{}
	}
	lines := []int{0}
	for i, c := range text {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	s.files[file] = &sourceText{text: text, lines: lines}
}

// columnUnit is what a format counts a column in.
type columnUnit int

const (
	characters columnUnit = iota // Unicode code points, as GitHub annotations count
	utf16Units                   // UTF-16 code units, SARIF's default columnKind
)

// column converts the 1-based byte column col on line of file to unit. It returns col unchanged when
// the text of the file is unknown or the position lies outside it.
func (s *Sources) column(file string, line, col int, unit columnUnit) int {
	if s == nil || col <= 1 || line < 1 {
		return col
	}
	src, ok := s.files[file]
	if !ok || line > len(src.lines) {
		return col
	}
	start := src.lines[line-1]
	end := len(src.text)
	if line < len(src.lines) {
		end = src.lines[line] - 1 // the newline ends the line
	}
	if start+col-1 > end {
		return col
	}
	n := 0
	for b := src.text[start : start+col-1]; len(b) > 0; {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if unit == utf16Units && utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n + 1
}
