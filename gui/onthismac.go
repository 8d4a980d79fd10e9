package gui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/gui/datatable"
)

// onThisMac is the view of the provisioning profiles installed on this
// machine (not per key, so the organization panel opens it): every profile
// once per UUID with its state, the files that could not be read, and
// Clean Up for the expired and superseded ones.
type onThisMac struct {
	dialogs  *dialogs
	work     *worker
	profiles *profiles // the inspector and the folders

	content    fyne.CanvasObject
	table      *datatable.Table[provision.Installed]
	problems   *widget.Label
	problemBox *fyne.Container
	status     *widget.Label
	expired    *widget.Check
	superseded *widget.Check
	cleanUp    *widget.Button

	// folders are the two folders the last scan read, for their labels;
	// scanning is set while a scan runs. Both belong to the UI goroutine.
	folders  []string
	scanning bool
}

func (v *onThisMac) buildUI() {
	v.table = datatable.New(datatable.Options[provision.Installed]{
		Columns: []datatable.Column[provision.Installed]{
			{Title: "Name", Width: 200, Fill: true, Filterable: true, Text: func(in provision.Installed) string { return in.Name }},
			{Title: "Bundle ID", Width: 170, Filterable: true, Text: func(in provision.Installed) string { return in.BundleIdentifier }},
			{Title: "Kind", Width: 110, Filterable: true, Text: func(in provision.Installed) string { return profileKindLabel(in.Kind) }},
			{Title: "Expires", Width: 195, Text: func(in provision.Installed) string { return expiresText(in.ExpirationDate) },
				Sort: byTime(func(in provision.Installed) time.Time { return in.ExpirationDate })},
			{Title: "State", Width: 100, Filterable: true, Text: func(in provision.Installed) string { return in.State }},
			{Title: "Folders", Width: 120, Text: v.folderLabel},
		},
		Tone: func(in provision.Installed) datatable.Tone {
			switch in.State {
			case provision.StateExpired:
				return datatable.Danger
			case provision.StateSuperseded:
				return datatable.Muted
			}
			return expiryTone(in.ExpirationDate)
		},
		Key:         func(in provision.Installed) string { return in.UUID },
		SearchText:  func(in provision.Installed) string { return in.UUID },
		Copy:        []datatable.CopyField[provision.Installed]{{Label: "UUID", Value: func(in provision.Installed) string { return in.UUID }}},
		OnDetails:   v.onInspect,
		Placeholder: "Search installed profiles",
		Singular:    "installed profile", Plural: "installed profiles",
		EmptyText: "No provisioning profile is installed on this machine.",
	})
	title := widget.NewLabelWithStyle("Provisioning Profiles on This Mac", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	where := widget.NewLabel("The two folders Xcode reads. Press Enter on a row (or right-click it) to inspect it.")
	where.Wrapping = fyne.TextWrapWord
	where.Importance = widget.LowImportance
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), v.scan)

	v.problems = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	v.problemBox = container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.WarningIcon())), nil, v.problems)
	v.problemBox.Hide()

	v.status = &widget.Label{SizeName: theme.SizeNameCaptionText, Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
	v.expired = widget.NewCheck("Expired", func(bool) { v.updateCleanUp() })
	v.expired.Checked = true
	v.superseded = widget.NewCheck("Superseded", func(bool) { v.updateCleanUp() })
	v.superseded.Checked = true
	v.cleanUp = widget.NewButtonWithIcon("Clean Up…", theme.DeleteIcon(), v.onCleanUp)
	v.cleanUp.Disable()
	footer := container.NewBorder(nil, nil, nil, container.NewHBox(v.expired, v.superseded, v.cleanUp), v.status)

	header := container.NewVBox(container.NewBorder(nil, nil, nil, refresh, title), where, v.problemBox)
	v.content = container.NewBorder(container.NewPadded(header), container.NewPadded(footer), nil, nil, v.table.Widget())
}

// folderLabel names the folders a profile is in, briefly: "both" is the
// usual case, so only a profile missing from one stands out.
func (v *onThisMac) folderLabel(in provision.Installed) string {
	if len(v.folders) == 2 && len(in.Folders) == 2 {
		return "both"
	}
	return strings.Join(provision.FolderNames(v.folders, in.Folders), ", ")
}

// scan reads both folders in the background and shows what is installed.
func (v *onThisMac) scan() {
	if v.scanning {
		return
	}
	v.scanning = true
	v.status.SetText("Reading the installed profiles…")
	v.cleanUp.Disable()
	v.work.background(func(context.Context) {
		folders, err := v.profiles.folders()
		var list []provision.Installed
		var problems []provision.Problem
		if err == nil {
			list, problems, err = provision.Scan(folders, time.Now())
		}
		fyne.Do(func() { v.show(folders, list, problems, err) })
	})
}

// show puts a scan's result on screen.
func (v *onThisMac) show(folders []string, list []provision.Installed, problems []provision.Problem, err error) {
	v.scanning = false
	v.folders = folders
	v.table.SetRows(list)
	var lines []string
	if err != nil {
		lines = append(lines, "Could not read the profile folders: "+errText(err))
	}
	for _, p := range problems {
		lines = append(lines, "Skipped: "+errText(p))
	}
	v.problems.SetText(strings.Join(lines, "\n"))
	if len(lines) > 0 {
		v.problemBox.Show()
	} else {
		v.problemBox.Hide()
	}
	counts := map[string]int{}
	for _, in := range list {
		counts[in.State]++
	}
	v.status.SetText(fmt.Sprintf("%s: %d valid, %d expired, %d superseded",
		plural(len(list), "profile", "profiles"), counts[provision.StateValid], counts[provision.StateExpired], counts[provision.StateSuperseded]))
	v.updateCleanUp()
}

// doomed are the installed profiles Clean Up would remove, as the boxes say.
func (v *onThisMac) doomed() []provision.Installed {
	return provision.Select(v.table.All(), v.expired.Checked, v.superseded.Checked)
}

// updateCleanUp enables Clean Up when it has something to remove. Its
// label stays put (the confirmation counts), so the footer keeps its layout.
func (v *onThisMac) updateCleanUp() {
	if v.scanning || len(v.doomed()) == 0 {
		v.cleanUp.Disable()
	} else {
		v.cleanUp.Enable()
	}
}

// onCleanUp asks, listing every profile it would remove, then removes them
// from both folders and reads the folders again.
func (v *onThisMac) onCleanUp() {
	doomed := v.doomed()
	if len(doomed) == 0 {
		return
	}
	lines := make([]string, len(doomed))
	for i, in := range doomed {
		lines[i] = fmt.Sprintf("• %s (%s), %s, %s", orDash(in.Name), in.UUID, in.State, expiresText(in.ExpirationDate))
	}
	lead := "These " + plural(len(doomed), "profile", "profiles")
	if len(doomed) == 1 {
		lead = "This profile"
	}
	text := lead + " will be deleted from both Xcode folders:\n\n" + strings.Join(lines, "\n") +
		"\n\nApp Store Connect keeps its profiles: they can be downloaded again."
	goOn := v.dialogs.askWarning("Remove Installed Profiles?", text, "Remove", theme.DeleteIcon(), func() { v.remove(doomed) })
	goOn.Importance = widget.DangerImportance
}

// remove deletes doomed in the background, then says what failed, if any.
func (v *onThisMac) remove(doomed []provision.Installed) {
	v.work.background(func(context.Context) {
		var errs []error
		for _, in := range doomed {
			if err := provision.Remove(in); err != nil {
				errs = append(errs, fmt.Errorf("%s (%s): %w", in.Name, in.UUID, err))
			}
		}
		fyne.Do(func() {
			if err := errors.Join(errs...); err != nil {
				v.dialogs.showMessage("Some Profiles Were Not Removed", errText(err)+"\n\nCheck the folders' permissions, then try again.", theme.ErrorIcon())
			}
			v.scan()
		})
	})
}

// onInspect opens the inspector of an installed profile, read again from
// its file so that Install and the private-key marks work as for a drop.
func (v *onThisMac) onInspect(in provision.Installed) {
	if len(in.Paths) > 0 {
		v.profiles.inspectFile(in.Paths[0])
	}
}
