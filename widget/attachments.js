/*!
 * Storefront live chat widget: attachments (CONTRACT section 12).
 * Loaded by widget.js from the same server the first time the panel opens, so shoppers who
 * never open the chat never download it. Plain ES2019, no dependencies.
 *
 * Adds to the composer an attach button (paperclip), drag and drop onto the panel and paste of
 * pictures into the input; each file gets a chip with its preview, upload progress and a cancel
 * button. Files in messages are fetched with the visitor's headers (never a secret in a URL) and
 * shown from blob: URLs: picture thumbnails, and a download button for a PDF.
 * Hooks: data-chat="attach", "attach-input", "attachments-tray", "attachment-chip",
 * "attachment", "attachment-image", "attachment-download".
 */
(function () {
  'use strict';
  var register = window.__cwAttach;
  if (typeof register !== 'function') return;

  var MAX_BYTES = 10 * 1024 * 1024;
  var MAX_FILES = 10;
  var TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/pdf'];
  var STR = {
    en: {
      attach: 'Attach a picture or PDF', drop: 'Drop files here to attach them',
      uploading: 'Uploading… {n}%', ready: 'Ready to send', remove: 'Remove {n}',
      tooLarge: '{n} is too large (10 MB at most).',
      unsupported: '{n} cannot be sent: only pictures (JPEG, PNG, WebP, GIF) and PDF files.',
      tooMany: 'At most 10 files can be sent in one message.',
      tooFast: 'You have sent many files; please try again in a while.',
      failed: '{n} could not be uploaded. Please try again.', download: 'Download {n}',
      picture: 'Picture: {n}', open: 'Open {n}'
    },
    tr: {
      attach: 'Resim veya PDF ekle', drop: 'Eklemek için dosyaları buraya bırakın',
      uploading: 'Yükleniyor… %{n}', ready: 'Gönderilmeye hazır', remove: '{n} dosyasını kaldır',
      tooLarge: '{n} çok büyük (en fazla 10 MB).',
      unsupported: '{n} gönderilemez: yalnızca resim (JPEG, PNG, WebP, GIF) ve PDF dosyaları.',
      tooMany: 'Bir mesajla en fazla 10 dosya gönderilebilir.',
      tooFast: 'Çok sayıda dosya gönderdiniz; lütfen biraz sonra tekrar deneyin.',
      failed: '{n} yüklenemedi. Lütfen tekrar deneyin.', download: '{n} dosyasını indir',
      picture: 'Resim: {n}', open: '{n} dosyasını aç'
    }
  };
  var CSS = [
    '.ak{flex:none;width:36px;height:40px;border:0;background:transparent;color:#4b5563;cursor:pointer;display:flex;align-items:center;justify-content:center;border-radius:10px}',
    '.ak:hover{color:#111827;background:#f3f4f6}.ak:focus-visible{outline:2px solid var(--c);outline-offset:1px}',
    '.ak svg{width:20px;height:20px}',
    '.fq{display:flex;flex-wrap:wrap;gap:6px;margin:0 12px 8px}.fq[hidden]{display:none}',
    '.fc{position:relative;display:flex;align-items:center;gap:8px;max-width:100%;padding:6px 30px 6px 6px;border:1px solid #d1d5db;border-radius:10px;background:#fff;font-size:12.5px;color:#1f2937}',
    '.fc img,.fc .fi{flex:none;width:36px;height:36px;border-radius:6px;object-fit:cover;background:#f3f4f6}',
    '.fc .fi{display:flex;align-items:center;justify-content:center;font-size:10px;font-weight:700;color:#b42318}',
    '.fc .fn{display:block;max-width:150px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    '.fc .fs{display:block;color:#4b5563}',
    '.fc progress{display:block;width:120px;height:4px;margin-top:3px;accent-color:var(--c)}',
    '.fc .fx{position:absolute;top:4px;right:4px;width:22px;height:22px;border:0;border-radius:50%;background:#f3f4f6;color:#374151;cursor:pointer;line-height:22px;font-size:15px}',
    '.fc .fx:focus-visible{outline:2px solid var(--c)}',
    '.fa{display:flex;flex-direction:column;gap:6px;margin-top:4px}',
    '.fa button{font:inherit;cursor:pointer}',
    '.fa .fp{padding:0;border:0;background:transparent;border-radius:12px;overflow:hidden;max-width:220px}',
    '.fa .fp img{display:block;max-width:220px;max-height:220px;min-width:60px;min-height:40px;background:#f1f3f6}',
    '.fa .fd{display:flex;align-items:center;gap:8px;padding:8px 12px;border:1px solid #d1d5db;border-radius:12px;background:#fff;color:#1f2937;font-size:13px;text-align:left}',
    '.fa .fd:focus-visible,.fa .fp:focus-visible{outline:2px solid var(--c);outline-offset:2px}',
    '.pn.dz::after{content:attr(data-drop);position:absolute;inset:8px;display:flex;align-items:center;justify-content:center;border:2px dashed var(--c);border-radius:14px;background:rgba(255,255,255,.94);color:#111827;font-weight:600;z-index:5;pointer-events:none}'
  ].join('\n');
  var CLIP = 'M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48';

  register(function (cw) {
    var ui = cw.ui, root = cw.root, chips = [], blobs = {};
    function t(k, n) {
      var table = STR[cw.lang()] || STR.en;
      return String(table[k] || STR.en[k] || k).replace('{n}', n == null ? '' : n);
    }
    function h(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }
    function size(n) {
      return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB';
    }
    function headers(xhr) {
      xhr.setRequestHeader('X-Site-Key', cw.key);
      xhr.setRequestHeader('X-Visitor-Token', cw.token() || '');
    }

    // A constructed style sheet (widget.js's addSheet): a page's CSP without 'unsafe-inline'
    // for styles refuses a <style> element, never these.
    cw.addSheet(CSS);

    var input = h('input');
    input.type = 'file';
    input.multiple = true;
    input.accept = TYPES.join(',');
    input.hidden = true;
    input.setAttribute('data-chat', 'attach-input');
    var button = h('button', 'ak');
    button.type = 'button';
    button.setAttribute('data-chat', 'attach');
    button.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="' + CLIP + '"/></svg>';
    ui.form.insertBefore(button, ui.input);
    ui.form.appendChild(input);
    var tray = h('div', 'fq');
    tray.hidden = true;
    tray.setAttribute('data-chat', 'attachments-tray');
    tray.setAttribute('role', 'status');
    tray.setAttribute('aria-live', 'polite');
    ui.form.parentNode.insertBefore(tray, ui.form);
    function labels() {
      button.setAttribute('aria-label', t('attach'));
      button.title = t('attach');
      ui.panel.setAttribute('data-drop', t('drop'));
      chips.forEach(paint);
    }
    labels();

    button.addEventListener('click', function () { labels(); input.click(); });
    input.addEventListener('change', function () { add(input.files); input.value = ''; });
    ui.input.addEventListener('paste', function (e) {
      var files = e.clipboardData && e.clipboardData.files;
      if (files && files.length) { e.preventDefault(); add(files); }
    });
    var depth = 0;
    function dragging(e) { return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], 'Files') >= 0; }
    ui.panel.addEventListener('dragenter', function (e) {
      if (!dragging(e)) return;
      e.preventDefault();
      depth++;
      labels();
      ui.panel.classList.add('dz');
    });
    ui.panel.addEventListener('dragover', function (e) { if (dragging(e)) e.preventDefault(); });
    ui.panel.addEventListener('dragleave', function () { if (--depth <= 0) { depth = 0; ui.panel.classList.remove('dz'); } });
    ui.panel.addEventListener('drop', function (e) {
      depth = 0;
      ui.panel.classList.remove('dz');
      if (!dragging(e)) return;
      e.preventDefault();
      add(e.dataTransfer.files);
    });

    function add(list) {
      Array.prototype.forEach.call(list || [], function (file) {
        if (chips.length >= MAX_FILES) { cw.showErr(t('tooMany')); return; }
        if (file.size > MAX_BYTES) { cw.showErr(t('tooLarge', file.name)); return; }
        if (TYPES.indexOf(file.type) < 0) { cw.showErr(t('unsupported', file.name)); return; }
        upload(file);
      });
    }

    function upload(file) {
      var chip = { file: file, pct: 0, id: null, el: h('div', 'fc'), xhr: new XMLHttpRequest() };
      chip.el.setAttribute('data-chat', 'attachment-chip');
      chip.el.setAttribute('data-state', 'uploading');
      var isImage = file.type.indexOf('image/') === 0;
      if (isImage) {
        var pic = h('img');
        pic.alt = '';
        pic.src = chip.preview = URL.createObjectURL(file);
        chip.el.appendChild(pic);
      } else {
        chip.el.appendChild(h('span', 'fi', 'PDF'));
      }
      var info = h('span');
      info.appendChild(h('span', 'fn', file.name));
      chip.status = info.appendChild(h('span', 'fs'));
      chip.bar = info.appendChild(h('progress'));
      chip.bar.max = 100;
      chip.el.appendChild(info);
      chip.cancel = chip.el.appendChild(h('button', 'fx', '×'));
      chip.cancel.type = 'button';
      chip.cancel.addEventListener('click', function () { drop(chip); });
      chips.push(chip);
      tray.appendChild(chip.el);
      tray.hidden = false;
      paint(chip);

      var xhr = chip.xhr, form = new FormData();
      form.append('file', file, file.name);
      xhr.open('POST', cw.base + 'api/v1/uploads');
      headers(xhr);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { chip.pct = Math.min(99, Math.round(e.loaded / e.total * 100)); paint(chip); }
      };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201 && body && body.id) {
          chip.id = body.id;
          chip.pct = 100;
          chip.el.setAttribute('data-state', 'ready');
          paint(chip);
          return;
        }
        var code = body && body.error && body.error.code;
        drop(chip);
        cw.showErr(code === 'too_large' ? t('tooLarge', file.name)
          : code === 'unsupported_type' || code === 'invalid_image' ? t('unsupported', file.name)
            : code === 'rate_limited' ? t('tooFast') : t('failed', file.name));
      };
      xhr.onerror = function () { drop(chip); cw.showErr(t('failed', file.name)); };
      xhr.send(form);
    }

    function paint(chip) {
      chip.status.textContent = chip.id ? t('ready') : t('uploading', chip.pct);
      chip.bar.value = chip.pct;
      chip.bar.hidden = !!chip.id;
      chip.cancel.setAttribute('aria-label', t('remove', chip.file.name));
      chip.cancel.title = t('remove', chip.file.name);
    }

    function drop(chip) {
      if (!chip.id) { try { chip.xhr.abort(); } catch (e) { /* done already */ } }
      if (chip.preview) URL.revokeObjectURL(chip.preview);
      chip.el.remove();
      chips = chips.filter(function (c) { return c !== chip; });
      tray.hidden = !chips.length;
    }

    // A file of a message, fetched with the visitor's headers, as a blob: URL (kept per URL).
    function fetchBlob(url) {
      if (!blobs[url]) {
        blobs[url] = new Promise(function (resolve, reject) {
          var xhr = new XMLHttpRequest();
          xhr.open('GET', cw.base + url.replace(/^\//, ''));
          xhr.responseType = 'blob';
          headers(xhr);
          xhr.onload = function () { if (xhr.status === 200) resolve(URL.createObjectURL(xhr.response)); else reject(); };
          xhr.onerror = reject;
          xhr.send();
        });
        blobs[url].catch(function () { delete blobs[url]; });
      }
      return blobs[url];
    }
    function save(file) {
      fetchBlob(file.url).then(function (href) {
        var a = h('a');
        a.href = href;
        a.download = file.name;
        a.rel = 'noopener';
        root.appendChild(a);
        a.click();
        a.remove();
      }, function () { cw.showErr(t('failed', file.name)); });
    }

    function render(e, files) {
      if (e.querySelector('.fa')) return;
      var bubble = e.querySelector('.b');
      if (bubble && !bubble.textContent) bubble.hidden = true;
      var box = h('div', 'fa');
      files.forEach(function (file) {
        var item;
        if (file.thumbnail_url) {
          item = h('button', 'fp');
          item.type = 'button';
          item.setAttribute('aria-label', t('open', file.name));
          var img = item.appendChild(h('img'));
          img.alt = t('picture', file.name);
          img.setAttribute('data-chat', 'attachment-image');
          fetchBlob(file.thumbnail_url).then(function (href) { img.src = href; }, function () { img.alt = file.name; });
          item.addEventListener('click', function () { save(file); });
        } else {
          item = h('button', 'fd', file.name + ' · ' + size(file.size));
          item.type = 'button';
          item.setAttribute('data-chat', 'attachment-download');
          item.setAttribute('aria-label', t('download', file.name));
          item.addEventListener('click', function () { save(file); });
        }
        item.setAttribute('data-attachment', file.id);
        box.appendChild(item);
      });
      box.setAttribute('data-chat', 'attachment');
      e.insertBefore(box, e.querySelector('.mt'));
    }

    return {
      // Ids of the files uploaded and not yet sent; the widget sends them with the next message.
      ready: function () { labels(); return chips.filter(function (c) { return c.id; }).map(function (c) { return c.id; }); },
      clear: function () { chips.filter(function (c) { return c.id; }).forEach(drop); },
      labels: labels,
      render: render
    };
  });
})();
