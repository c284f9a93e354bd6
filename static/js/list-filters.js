// The customer list's filters.
// - A manager select (a branch's few dozen staff) offers, once a branch is chosen, only that
//   branch's staff (customers/filters/lists.py groups them by branch, one <optgroup> each, labelled
//   as the branch select labels the branch). A manager of another branch is cleared.
// - The manager picker (head office: the company's staff, customers/filters/lists.py
//   StaffPickerInput) searches as one types (customers:manager-search, JSON) within the
//   chosen branch, and sends the picked member's id. Without this script its plain input
//   takes a staff code.
document.addEventListener("DOMContentLoaded", () => {
  const branch = document.getElementById("id_branch");
  const manager = document.getElementById("id_manager");
  if (!manager) {
    return;
  }
  if (manager.tagName === "SELECT") {
    narrowByBranch(branch, manager);
  } else if (manager.classList.contains("staff-picker")) {
    staffPicker(branch, manager);
  }
});

function narrowByBranch(branch, manager) {
  if (!branch || branch.tagName !== "SELECT") {
    return;
  }
  const groups = Array.from(manager.querySelectorAll("optgroup"));
  const narrow = () => {
    const chosen = branch.value ? branch.selectedOptions[0].textContent.trim() : null;
    for (const group of groups) {
      const shown = chosen === null || group.label === chosen;
      group.hidden = !shown;
      group.disabled = !shown;
    }
    const picked = manager.selectedOptions[0];
    if (picked && picked.parentElement.disabled) {
      manager.value = "";
    }
  };
  branch.addEventListener("change", narrow);
  narrow();
}

const SEARCH_DELAY_MS = 200;

function staffPicker(branch, input) {
  // The id travels in a hidden input of the field's name; the visible one shows the label.
  const chosen = document.createElement("input");
  chosen.type = "hidden";
  chosen.name = input.name;
  chosen.value = input.dataset.pickedId || "";
  input.removeAttribute("name");
  input.after(chosen);
  if (input.dataset.pickedLabel) {
    input.value = input.dataset.pickedLabel;
  }
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  const list = document.createElement("ul");
  list.className = "staff-picker-results";
  list.id = `${input.id}_results`;
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.setAttribute("aria-controls", list.id);
  chosen.after(list);

  let timer = null;
  let asked = 0;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  };
  const pick = (member) => {
    chosen.value = String(member.id);
    input.value = member.label;
    close();
  };
  const show = (results) => {
    list.replaceChildren();
    for (const member of results) {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.dataset.id = String(member.id);
      item.textContent = member.label;
      const where = document.createElement("span");
      where.className = "staff-picker-branch";
      where.textContent = member.branch;
      item.append(" ", where);
      // mousedown, not click: it comes before the input's blur closes the list.
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(member);
      });
      list.append(item);
    }
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
  };
  const search = async () => {
    const ask = ++asked;
    const query = new URLSearchParams({ q: input.value.trim() });
    if (branch && branch.value) {
      query.set("branch", branch.value);
    }
    const response = await fetch(`${input.dataset.searchUrl}?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok || ask !== asked) {
      return; // an error, or an answer to what was typed before the last key
    }
    show((await response.json()).results);
  };
  input.addEventListener("input", () => {
    chosen.value = ""; // what is typed no longer names the picked member
    asked += 1; // an answer still on its way is to what was typed before
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  input.addEventListener("focus", () => {
    if (!chosen.value) {
      search();
    }
  });
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && !list.hidden && list.firstElementChild) {
      event.preventDefault(); // Enter picks the first match rather than submitting
      list.firstElementChild.dispatchEvent(new MouseEvent("mousedown"));
    }
  });
  if (branch) {
    branch.addEventListener("change", () => {
      chosen.value = "";
      input.value = "";
    });
  }
  // Typed but not picked: send the text, which the server reads as a staff code.
  input.form.addEventListener("submit", () => {
    if (!chosen.value && input.value.trim()) {
      chosen.value = input.value.trim();
    }
  });
}
