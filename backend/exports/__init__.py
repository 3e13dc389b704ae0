"""Reports and exports (issue 14): export jobs run on the job runner and write a file that is
served only through the access check. See docs/exports.md."""
