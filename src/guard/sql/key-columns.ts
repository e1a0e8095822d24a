// Column names that identify one row: an UPDATE that matches on them with constants touches known rows only.

export const KEY_COLUMN = /^(id|uuid|guid|pk|key)$/i;
