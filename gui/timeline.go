package gui

import (
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

// The timeline's geometry, in Fyne units.
const (
	timelineMonths   = 12
	timelineLabelW   = 150 // the key names on the left
	timelineGutterW  = 56  // "expired" before today, "later" after 12 months
	timelineAxisH    = 26  // month names on top
	timelineLaneH    = 34
	timelineFootH    = 18 // "today" under the lanes
	timelineMarkSize = 9
	// timelineHit is how near the pointer must be to a mark to pick it.
	timelineHit = 8
)

// timelineLane is one key's row of marks.
type timelineLane struct {
	name  string
	items []actions.ExpiringItem
}

// placedMark is a mark where the last layout put it.
type placedMark struct {
	pos  fyne.Position // its centre
	item actions.ExpiringItem
}

// timeline draws the next 12 months with Fyne's canvas: one lane per key,
// a mark per certificate (a square) and profile (a circle) at its expiry,
// red once expired, amber within 30 days as the tables colour rows, and a
// line for today. What expired sits before the line, what expires after
// 12 months after the last month. Hovering a mark names it (onHover);
// tapping it opens it (onTap).
type timeline struct {
	widget.BaseWidget
	lanes []timelineLane
	now   time.Time

	onHover func(it *actions.ExpiringItem) // nil: the pointer left the marks
	onTap   func(it actions.ExpiringItem)

	marks []placedMark // set by the renderer's layout, on the UI goroutine
	// hovered names the mark under the pointer (markID), "" for none: it
	// gets a ring.
	hovered string
}

// markID tells the marks apart: the same item may be listed by two keys.
func markID(it actions.ExpiringItem) string { return it.KeyID + "/" + it.Kind + "/" + it.ID }

// setHovered rings the mark id ("" for none), redrawing only on a change.
func (t *timeline) setHovered(id string) {
	if t.hovered != id {
		t.hovered = id
		t.Refresh()
	}
}

func newTimeline(onHover func(*actions.ExpiringItem), onTap func(actions.ExpiringItem)) *timeline {
	t := &timeline{onHover: onHover, onTap: onTap, now: time.Now()}
	t.ExtendBaseWidget(t)
	return t
}

// set shows lanes as of now.
func (t *timeline) set(lanes []timelineLane, now time.Time) {
	t.lanes, t.now = lanes, now
	t.Refresh()
}

// span is the first day shown (today, at midnight) and the end of the
// twelfth month after it.
func (t *timeline) span() (time.Time, time.Time) {
	y, m, d := t.now.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, t.now.Location())
	return start, start.AddDate(0, timelineMonths, 0)
}

// xOf is the horizontal position of an expiry's mark in a timeline width
// wide: on the 12 months, or in the gutter of what expired or of later.
func (t *timeline) xOf(exp time.Time, width float32) float32 {
	_, end := t.span()
	switch {
	case exp.Before(t.now):
		return timelineLabelW + timelineGutterW/2
	case !exp.Before(end):
		return width - timelineGutterW/2
	}
	return t.dayX(exp, width)
}

// dayX is where a moment of the 12 months lies.
func (t *timeline) dayX(at time.Time, width float32) float32 {
	start, end := t.span()
	x0 := float32(timelineLabelW + timelineGutterW)
	x1 := width - timelineGutterW
	frac := float32(at.Sub(start)) / float32(end.Sub(start))
	return x0 + frac*(x1-x0)
}

// markAt returns the mark nearest pos, within timelineHit.
func (t *timeline) markAt(pos fyne.Position) (actions.ExpiringItem, bool) {
	best, bestD := -1, float32(timelineHit)
	for i, m := range t.marks {
		dx, dy := m.pos.X-pos.X, m.pos.Y-pos.Y
		if d := float32(math.Sqrt(float64(dx*dx + dy*dy))); d <= bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return actions.ExpiringItem{}, false
	}
	return t.marks[best].item, true
}

// Tapped opens the mark tapped, if any.
func (t *timeline) Tapped(ev *fyne.PointEvent) {
	if it, ok := t.markAt(ev.Position); ok && t.onTap != nil {
		t.onTap(it)
	}
}

// MouseIn is part of desktop.Hoverable.
func (t *timeline) MouseIn(ev *desktop.MouseEvent) { t.MouseMoved(ev) }

// MouseMoved names the mark under the pointer.
func (t *timeline) MouseMoved(ev *desktop.MouseEvent) {
	if t.onHover == nil {
		return
	}
	if it, ok := t.markAt(ev.Position); ok {
		t.setHovered(markID(it))
		t.onHover(&it)
	} else {
		t.setHovered("")
		t.onHover(nil)
	}
}

// MouseOut clears what MouseMoved named.
func (t *timeline) MouseOut() {
	t.setHovered("")
	if t.onHover != nil {
		t.onHover(nil)
	}
}

// MinSize leaves room for the months to be told apart and every lane.
func (t *timeline) MinSize() fyne.Size {
	lanes := max(len(t.lanes), 1)
	return fyne.NewSize(timelineLabelW+2*timelineGutterW+12*36, timelineAxisH+float32(lanes)*timelineLaneH+timelineFootH)
}

func (t *timeline) CreateRenderer() fyne.WidgetRenderer {
	r := &timelineRenderer{t: t}
	r.rebuild(t.Size())
	return r
}

type timelineRenderer struct {
	t    *timeline
	objs []fyne.CanvasObject
}

func (r *timelineRenderer) Layout(size fyne.Size)        { r.rebuild(size) }
func (r *timelineRenderer) MinSize() fyne.Size           { return r.t.MinSize() }
func (r *timelineRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *timelineRenderer) Destroy()                     {}

func (r *timelineRenderer) Refresh() {
	r.rebuild(r.t.Size())
	for _, o := range r.objs {
		o.Refresh()
	}
}

// rebuild draws everything again for size: a few hundred objects at most,
// and only when the lists or the size change.
func (r *timelineRenderer) rebuild(size fyne.Size) {
	t := r.t
	th := t.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	col := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
	textSize := th.Size(theme.SizeNameCaptionText)
	var objs []fyne.CanvasObject
	text := func(s string, c color.Color, x, y float32, align fyne.TextAlign) {
		ct := canvas.NewText(s, c)
		ct.TextSize = textSize
		ct.Alignment = align
		ms := ct.MinSize()
		switch align {
		case fyne.TextAlignCenter:
			x -= ms.Width / 2
		case fyne.TextAlignTrailing:
			x -= ms.Width
		}
		ct.Move(fyne.NewPos(x, y))
		ct.Resize(ms)
		objs = append(objs, ct)
	}
	line := func(c color.Color, w float32, x1, y1, x2, y2 float32) {
		l := canvas.NewLine(c)
		l.StrokeWidth = w
		l.Position1, l.Position2 = fyne.NewPos(x1, y1), fyne.NewPos(x2, y2)
		objs = append(objs, l)
	}

	muted := col(theme.ColorNamePlaceHolder)
	grid := col(theme.ColorNameSeparator)
	bottom := timelineAxisH + float32(max(len(t.lanes), 1))*timelineLaneH
	start, end := t.span()
	x0, x1 := float32(timelineLabelW+timelineGutterW), size.Width-timelineGutterW

	// Months: a tick at each first of the month, named in its middle.
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, start.Location()); m.Before(end); m = m.AddDate(0, 1, 0) {
		from, to := m, m.AddDate(0, 1, 0)
		if from.Before(start) {
			from = start
		}
		if to.After(end) {
			to = end
		}
		xa, xb := t.dayX(from, size.Width), t.dayX(to, size.Width)
		if m.After(start) {
			line(grid, 1, xa, timelineAxisH-4, xa, bottom)
		}
		if xb-xa > 30 {
			name := m.Format("Jan")
			if m.Month() == time.January {
				name = m.Format("Jan 06")
			}
			text(name, muted, (xa+xb)/2, 2, fyne.TextAlignCenter)
		}
	}
	text("expired", muted, timelineLabelW+timelineGutterW/2, 2, fyne.TextAlignCenter)
	text("later", muted, x1+timelineGutterW/2, 2, fyne.TextAlignCenter)
	line(grid, 1, x1, timelineAxisH-4, x1, bottom)

	// Lanes, then marks: stacked a little when they fall on the same spot.
	t.marks = t.marks[:0]
	for i, lane := range t.lanes {
		top := timelineAxisH + float32(i)*timelineLaneH
		mid := top + timelineLaneH/2
		text(fitText(lane.name, textSize, timelineLabelW-8), col(theme.ColorNameForeground), 0, mid-textSize*0.7, fyne.TextAlignLeading)
		line(grid, 1, timelineLabelW, top+timelineLaneH, size.Width, top+timelineLaneH)
		taken := map[int]int{}
		for _, it := range lane.items {
			x := t.xOf(it.ExpirationDate.Time, size.Width)
			slot := int(x / timelineMarkSize)
			n := taken[slot]
			taken[slot]++
			// 0, -1, +1, -2, +2 mark heights from the lane's middle.
			off := float32((n+1)/2) * (timelineMarkSize - 2)
			if n%2 == 1 {
				off = -off
			}
			y := mid + float32(math.Max(-12, math.Min(12, float64(off))))
			objs = append(objs, mark(it, col, x, y))
			t.marks = append(t.marks, placedMark{pos: fyne.NewPos(x, y), item: it})
			if t.hovered != "" && markID(it) == t.hovered {
				ring := canvas.NewCircle(color.Transparent)
				ring.StrokeColor, ring.StrokeWidth = col(theme.ColorNamePrimary), 2
				ring.Resize(fyne.NewSize(timelineMarkSize+8, timelineMarkSize+8))
				ring.Move(fyne.NewPos(x-timelineMarkSize/2-4, y-timelineMarkSize/2-4))
				objs = append(objs, ring)
			}
		}
	}
	if len(t.lanes) == 0 {
		text("No key lists anything yet.", muted, x0, timelineAxisH+8, fyne.TextAlignLeading)
	}

	// Today, over the lanes.
	today := col(theme.ColorNamePrimary)
	line(today, 2, x0, timelineAxisH-6, x0, bottom+4)
	text("today", today, x0, bottom+2, fyne.TextAlignCenter)
	r.objs = objs
}

// markColor is the colour of an item's mark: as its table row, red once
// expired, amber within 30 days; the text colour otherwise.
func markColor(it actions.ExpiringItem) fyne.ThemeColorName {
	switch it.Expiry.State {
	case core.ExpiryExpired:
		return theme.ColorNameError
	case core.ExpiryExpiringSoon:
		return theme.ColorNameWarning
	}
	return theme.ColorNameForeground
}

// mark draws one item centred on x, y: a square for a certificate, a
// circle for a profile.
func mark(it actions.ExpiringItem, col func(fyne.ThemeColorName) color.Color, x, y float32) fyne.CanvasObject {
	c := col(markColor(it))
	var o fyne.CanvasObject
	if it.Kind == actions.KindCertificate {
		rect := canvas.NewRectangle(c)
		rect.StrokeColor = col(theme.ColorNameBackground)
		rect.StrokeWidth = 1
		o = rect
	} else {
		circle := canvas.NewCircle(c)
		circle.StrokeColor = col(theme.ColorNameBackground)
		circle.StrokeWidth = 1
		o = circle
	}
	o.Resize(fyne.NewSize(timelineMarkSize, timelineMarkSize))
	o.Move(fyne.NewPos(x-timelineMarkSize/2, y-timelineMarkSize/2))
	return o
}

// fitText cuts s with "…" to fit width at size; the Overview above names
// each key in full.
func fitText(s string, size, width float32) string {
	if fyne.MeasureText(s, size, fyne.TextStyle{}).Width <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if cut := string(r) + "…"; fyne.MeasureText(cut, size, fyne.TextStyle{}).Width <= width {
			return cut
		}
	}
	return "…"
}
