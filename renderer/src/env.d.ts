// For plain `tsc` (tsconfig.test.json), which cannot read .vue files; vue-tsc resolves them itself.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
