/** The native menus. Items that act on the lab send a `menu` event the renderer performs. */
import { Menu, app, dialog, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { LabEvent, MenuAction } from '../worker/protocol.js';

export function menuTemplate(send: (action: MenuAction) => void, isMac: boolean): MenuItemConstructorOptions[] {
  const item = (label: string, action: MenuAction, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => send(action),
  });
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('Open Scenario…', 'openScenario', 'CmdOrCtrl+O'),
        item('Import /proc/iomem…', 'importIomem', 'CmdOrCtrl+I'),
        { type: 'separator' },
        {
          label: 'Export',
          submenu: [
            item('Run Data (JSON)…', 'export:json', 'CmdOrCtrl+E'),
            item('Steps (CSV)…', 'export:csv'),
            item('/proc/iomem…', 'export:iomem'),
            item('lsmem…', 'export:lsmem'),
            item('Event Log…', 'export:log'),
          ],
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { label: '&Edit', submenu: [{ role: 'copy' }, { role: 'selectAll' }] },
    {
      label: '&Run',
      submenu: [item('Start', 'start', 'F5'), item('Pause', 'pause', 'F6'), item('Step', 'step', 'F10'), item('Reset', 'reset', 'CmdOrCtrl+R')],
    },
    {
      label: '&View',
      submenu: [item('Toggle Light/Dark Theme', 'toggleTheme', 'CmdOrCtrl+Shift+L'), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { label: '&Help', submenu: [item('About memhp-lab', 'about')] },
  ];
}

export function setupMenu(win: BrowserWindow, emit: (event: LabEvent) => void): void {
  const template = menuTemplate((action) => {
    if (action === 'about') {
      void dialog.showMessageBox(win, { type: 'info', title: 'memhp-lab', message: `memhp-lab ${app.getVersion()}`, detail: 'Emulates Linux memory hot(un)plug: the iomem resource tree, memory blocks, virtio-mem, Hyper-V and Xen balloons, ACPI DIMMs.' });
      return;
    }
    emit({ type: 'menu', action });
  }, process.platform === 'darwin');
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
