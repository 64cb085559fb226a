// JavaScript that web builds of maskscope call from C, linked with --js-library.
// (EM_ASM would need -std=gnu11, and the project is C11 with -Wpedantic; a JS library
// needs only a plain C declaration:)
//
//   /* offers `len` bytes to the person as a file download named `name` */
//   void web_offer_download(const unsigned char *bytes, int len, const char *name, const char *mime);
//
// The bytes are copied, so the caller may free them as soon as this returns.

mergeInto(LibraryManager.library, {
  web_offer_download: function (bytes, len, name, mime) {
    var blob = new Blob([HEAPU8.slice(bytes, bytes + len)], { type: UTF8ToString(mime) });
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = UTF8ToString(name);
    document.body.appendChild(a);
    a.click();
    a.remove();
    // the download has its own reference once it started; a minute is plenty
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  },
});
