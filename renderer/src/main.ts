import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createBridge, setBridge } from './bridge/index.js';
import './styles.css';
import 'uplot/dist/uPlot.min.css';

setBridge(createBridge());
createApp(App).use(createPinia()).mount('#app');
