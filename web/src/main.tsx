/** Entry point: mounts the explorer and routes same-origin link clicks through the router. */
import { render } from 'preact';
import { App } from './app.js';
import { interceptLinks } from './router.js';
import './styles.css';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
interceptLinks(document.body);
render(<App />, root);
