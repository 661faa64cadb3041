// Hands a file main produced to the browser's download, without a navigation or a new window.
export function saveFile(filename: string, text: string, mediaType: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: mediaType }));
  link.download = filename;
  link.click();
  URL.revokeObjectURL(link.href);
}
