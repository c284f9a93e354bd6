// The customer list's filters: once a branch is chosen, the manager select offers only that
// branch's staff (customers/filters.py groups them by branch, one <optgroup> each, labelled
// as the branch select labels the branch). A manager of another branch is cleared.
document.addEventListener("DOMContentLoaded", () => {
  const branch = document.getElementById("id_branch");
  const manager = document.getElementById("id_manager");
  if (!branch || !manager) {
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
});
