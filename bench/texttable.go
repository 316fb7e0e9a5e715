package bench

import (
	"strings"
	"unicode/utf8"
)

// column is one column of a textTable. A title may span several lines,
// separated by "\n", and is aligned to the bottom of the header.
type column struct {
	title      string
	alignRight bool
}

// textTable lays out cells in columns two spaces apart, with a header and
// a rule of dashes under it. Widths count runes, so cells may contain "—" and
// "–", but not characters that a terminal draws two cells wide.
type textTable struct {
	columns []column
	rows    [][]string
}

func newTextTable(columns ...column) *textTable {
	return &textTable{columns: columns}
}

// addRow appends a row. Missing trailing cells are left blank.
func (t *textTable) addRow(cells ...string) {
	t.rows = append(t.rows, cells)
}

// write prints the table with indent before every line.
func (t *textTable) write(out *textWriter, indent string) {
	titles := make([][]string, len(t.columns))
	widths := make([]int, len(t.columns))
	headerLines := 0
	for i, c := range t.columns {
		titles[i] = strings.Split(c.title, "\n")
		headerLines = max(headerLines, len(titles[i]))
		for _, line := range titles[i] {
			widths[i] = max(widths[i], utf8.RuneCountInString(line))
		}
	}
	for _, row := range t.rows {
		for i := range t.columns {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell(row, i)))
		}
	}

	for line := range headerLines {
		cells := make([]string, len(t.columns))
		for i := range t.columns {
			// Shorter titles start further down, so all end on the last header line.
			if j := line - (headerLines - len(titles[i])); j >= 0 {
				cells[i] = titles[i][j]
			}
		}
		t.writeLine(out, indent, widths, cells)
	}
	rule := make([]string, len(t.columns))
	for i, width := range widths {
		rule[i] = strings.Repeat("-", width)
	}
	t.writeLine(out, indent, widths, rule)
	for _, row := range t.rows {
		t.writeLine(out, indent, widths, row)
	}
}

func (t *textTable) writeLine(out *textWriter, indent string, widths []int, cells []string) {
	var line strings.Builder
	line.WriteString(indent)
	for i, c := range t.columns {
		if i > 0 {
			line.WriteString("  ")
		}
		text := cell(cells, i)
		padding := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(text))
		if c.alignRight {
			line.WriteString(padding + text)
		} else {
			line.WriteString(text + padding)
		}
	}
	out.println(strings.TrimRight(line.String(), " "))
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}
